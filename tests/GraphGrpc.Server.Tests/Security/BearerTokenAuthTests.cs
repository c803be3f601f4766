using System.Net;
using Grpc.Health.V1;
using GraphGrpc.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Server.Tests.Security;

/// <summary>With tokens configured, only calls carrying one get through; health stays open; tokens never reach the logs.</summary>
public sealed class BearerTokenAuthTests(TokenServerFixture server) : IClassFixture<TokenServerFixture>
{
    private static EvaluateRequest Seed003 => new() { Graph = Graphs.Example("seed003-squared-error.json") };

    [Theory]
    [InlineData(TokenServerFixture.FileToken)]
    [InlineData(TokenServerFixture.SettingToken)]
    public async Task EvaluateUnary_WithAcceptedToken_Succeeds(string token)
    {
        var client = server.Client(token);
        using var _ = client;

        var response = await client.EvaluateUnaryAsync(Seed003);

        Assert.Equal(4.0, response.Values.Single(v => v.NodeId == "L").Value.Values.Single());
    }

    [Fact]
    public async Task EvaluateUnary_WithoutToken_IsUnauthenticated()
    {
        var client = server.Client(null);
        using var _ = client;

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateUnaryAsync(Seed003));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal("missing bearer token: send metadata 'authorization: Bearer <token>'", refused.Status.Detail);
    }

    [Theory]
    [InlineData("Bearer file-token-7Qw3Zr9Lk2Vb8Nx5", "the bearer token is not accepted")]
    [InlineData("Bearer file-token-7Qw3Zr9Lk2Vb8Nx4x", "the bearer token is not accepted")]
    [InlineData("Bearer file-token-7Qw3Zr9Lk2Vb8Nx", "the bearer token is not accepted")]
    [InlineData("Bearer ", "the bearer token is not accepted")]
    [InlineData("Basic ZmlsZS10b2tlbg==", "the authorization metadata must use the Bearer scheme: 'Bearer <token>'")]
    [InlineData("file-token-7Qw3Zr9Lk2Vb8Nx4", "the authorization metadata must use the Bearer scheme: 'Bearer <token>'")]
    public async Task EvaluateUnary_WithWrongAuthorization_IsUnauthenticatedAndSaysWhy(string authorization, string reason)
    {
        var client = server.Client(null);
        using var _ = client;

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            client.EvaluateUnaryAsync(Seed003, new CallOptions(headers: new Metadata { { "authorization", authorization } })));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(reason, refused.Status.Detail);
    }

    [Fact]
    public async Task EvaluateUnary_WithoutToken_GetsATrailersOnlyResponse()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.Address}/graphgrpc.v1.GraphEvaluator/EvaluateUnary")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("16", response.Headers.GetValues("grpc-status").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(response.TrailingHeaders);
    }

    [Theory]
    [InlineData("")]
    [InlineData("graphgrpc.v1.GraphEvaluator")]
    public async Task HealthCheck_WithoutToken_IsServing(string service)
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Validate_WithoutTokenAfterRefusals_StillRefusedAndServerServesTokenHolders()
    {
        var anonymous = server.Client(null);
        var holder = server.Client(TokenServerFixture.FileToken);
        using var _ = anonymous;
        using var __ = holder;

        for (var i = 0; i < 20; i++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => anonymous.ValidateAsync(new ValidateRequest { Graph = Seed003.Graph }));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        var response = await holder.ValidateAsync(new ValidateRequest { Graph = Seed003.Graph });

        Assert.True(response.Valid);
    }

    [Fact]
    public async Task Logs_AfterAcceptedAndRefusedCalls_NeverHoldAToken()
    {
        const string wrongToken = "wrong-token-Pz8Xc2Vn5Bm1Lk7";
        var accepted = server.Client(TokenServerFixture.FileToken);
        var refused = server.Client(wrongToken);
        using var _ = accepted;
        using var __ = refused;

        await accepted.EvaluateUnaryAsync(Seed003);
        await Assert.ThrowsAsync<RpcException>(() => refused.EvaluateUnaryAsync(Seed003));
        await WaitFor.Condition(() => server.Logs.Any(e => e.Contains("EvaluateUnary OK", StringComparison.Ordinal)));

        var logs = server.Logs.ToList();
        Assert.Contains(logs, e => e.Contains("Refused an unauthenticated call to /graphgrpc.v1.GraphEvaluator/EvaluateUnary", StringComparison.Ordinal)
            && e.Contains("the bearer token is not accepted", StringComparison.Ordinal));
        Assert.Contains(logs, e => e.Contains("Bearer-token authentication is on with 2 accepted token(s)", StringComparison.Ordinal));
        foreach (var secret in new[] { TokenServerFixture.FileToken, TokenServerFixture.SettingToken, wrongToken })
        {
            Assert.DoesNotContain(logs, e => e.Contains(secret, StringComparison.Ordinal));
        }
    }
}
