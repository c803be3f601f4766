using System.Globalization;
using GraphGrpc.Contracts.V1;
using Grpc.Core;

namespace GraphGrpc.Server.Tests.Security;

/// <summary>TLS from Kestrel's certificate settings, end to end: the .NET client, Python grpcio and grpc-go trust the test's CA and send a token.</summary>
public sealed class TlsTests(TlsServerFixture server) : IClassFixture<TlsServerFixture>
{
    private static EvaluateRequest Seed003 => new() { Graph = Graphs.Example("seed003-squared-error.json") };

    [Fact]
    public async Task EvaluateUnary_OverTlsTrustingTheCaWithToken_Succeeds()
    {
        var client = server.Client(TlsServerFixture.Token);
        using var _ = client;

        var response = await client.EvaluateUnaryAsync(Seed003);

        Assert.StartsWith("https://127.0.0.1:", server.Address);
        Assert.Equal(4.0, response.Values.Single(v => v.NodeId == "L").Value.Values.Single());
        Assert.Equal(12.0, response.Gradients.Single(g => g.NodeId == "x").Gradient.Values.Single());
    }

    [Fact]
    public async Task EvaluateUnary_OverTlsWithoutToken_IsUnauthenticated()
    {
        var client = server.Client(null);
        using var _ = client;

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateUnaryAsync(Seed003));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task EvaluateUnary_NotTrustingTheCa_FailsToConnect()
    {
        var client = server.Client(TlsServerFixture.Token, trustTheCa: false);
        using var _ = client;

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateUnaryAsync(Seed003));

        // grpc-dotnet reports a failed handshake as INTERNAL; the cause travels as the debug exception.
        Assert.Equal(StatusCode.Internal, refused.StatusCode);
        Assert.Contains(Causes(refused.Status.DebugException), e => e is System.Security.Authentication.AuthenticationException);
    }

    private static IEnumerable<Exception> Causes(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    [Fact]
    public async Task EvaluateUnary_PlainTextToTheTlsPort_Fails()
    {
        var client = Client.GraphEvaluatorClient.ForAddress($"http://127.0.0.1:{server.Port}");
        using var _ = client;

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.EvaluateUnaryAsync(Seed003));

        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
    }

    [Fact]
    public async Task PythonGrpcio_OverTlsWithToken_RunsEveryCase()
    {
        var output = await Programs.RunToSuccessAsync("/usr/bin/python3", [
            Path.Combine(Programs.RepositoryRoot, "tests/deploy/secure_client.py"),
            "--server_port", server.Port.ToString(CultureInfo.InvariantCulture),
            "--ca", server.CaPath, "--token", TlsServerFixture.Token, "--repo_root", Programs.RepositoryRoot,
        ]);

        Assert.Equal(
            ["PASS evaluate_with_token", "PASS missing_token", "PASS wrong_token", "PASS health_without_token", "PASS untrusted_server"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task GrpcGo_OverTlsWithToken_RunsEveryCase()
    {
        var binary = Path.Combine(Path.GetTempPath(), $"graphgrpc-go-secure-{Environment.ProcessId}");
        try
        {
            await Programs.RunToSuccessAsync("bash", [Path.Combine(Programs.RepositoryRoot, "tests/deploy/go/build.sh"), binary]);
            var output = await Programs.RunToSuccessAsync(binary, [
                $"-server_port={server.Port.ToString(CultureInfo.InvariantCulture)}", $"-ca={server.CaPath}",
                $"-token={TlsServerFixture.Token}", $"-repo_root={Programs.RepositoryRoot}",
            ]);

            Assert.Equal(["PASS evaluate_with_token", "PASS missing_token", "PASS health_without_token"],
                output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(binary);
        }
    }
}
