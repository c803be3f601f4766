using System.Text.Json;

namespace GraphGrpc.Server.Tests.Interop;

/// <summary>buf curl, an independent client with no proto files, learns the schema from the server's reflection and calls with it.</summary>
public sealed class ReflectionTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string Buf = Path.Combine(Programs.RepositoryRoot, "tests/tools/node_modules/.bin/buf");

    private static Task<(int ExitCode, string Output, string Error)> BufCurlAsync(params string[] arguments) =>
        Programs.RunAsync(Buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", .. arguments], TimeSpan.FromMinutes(1));

    private string Url(string path = "") => server.Address.TrimEnd('/') + path;

    private static string Seed003Request() =>
        $$"""{"graph": {{File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", "seed003-squared-error.json"))}}}""";

    [Theory]
    [InlineData("grpc-v1")]
    [InlineData("grpc-v1alpha")]
    public async Task ListServices_EitherReflectionProtocol_ListsEveryService(string reflectProtocol)
    {
        var (exitCode, output, error) = await BufCurlAsync("--reflect-protocol", reflectProtocol, "--list-services", Url());

        Assert.True(exitCode == 0, error);
        var services = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
            ["graphgrpc.v1.GraphEvaluator", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"],
            services.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("grpc-v1")]
    [InlineData("grpc-v1alpha")]
    public async Task EvaluateUnary_SchemaFromReflection_GivesSeed003ValueAndGradients(string reflectProtocol)
    {
        var (exitCode, output, error) = await BufCurlAsync("--reflect-protocol", reflectProtocol, "-d", Seed003Request(),
            Url("/graphgrpc.v1.GraphEvaluator/EvaluateUnary"));

        Assert.True(exitCode == 0, error);
        using var response = JsonDocument.Parse(output);
        var values = ByNode(response.RootElement.GetProperty("values"), "value");
        var gradients = ByNode(response.RootElement.GetProperty("gradients"), "gradient");
        Assert.Equal([4.0], values["L"]);
        Assert.Equal([12.0], gradients["x"]);
        Assert.Equal([8.0], gradients["w"]);
        Assert.Equal([4.0], gradients["b"]);
        Assert.Equal([-4.0], gradients["y"]);
    }

    [Fact]
    public async Task EvaluateUnary_InvalidGraph_BufCurlShowsInvalidArgumentWithValidationFailureDetail()
    {
        var (exitCode, _, error) = await BufCurlAsync("-d", """{"graph": {"nodes": [{"id": "c", "inputs": ["ghost"], "log": {}}]}}""",
            Url("/graphgrpc.v1.GraphEvaluator/EvaluateUnary"));

        Assert.NotEqual(0, exitCode);
        using var status = JsonDocument.Parse(error);
        Assert.Equal("invalid_argument", status.RootElement.GetProperty("code").GetString());
        Assert.Contains("input 'ghost' is not a node of the graph", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        var detail = Assert.Single(status.RootElement.GetProperty("details").EnumerateArray());
        Assert.Equal("graphgrpc.v1.ValidationFailure", detail.GetProperty("type").GetString());
    }

    [Fact]
    public async Task HealthCheck_SchemaFromReflection_GraphEvaluatorIsServing()
    {
        var (exitCode, output, error) = await BufCurlAsync("-d", """{"service": "graphgrpc.v1.GraphEvaluator"}""", Url("/grpc.health.v1.Health/Check"));

        Assert.True(exitCode == 0, error);
        using var response = JsonDocument.Parse(output);
        Assert.Equal("SERVING", response.RootElement.GetProperty("status").GetString());
    }

    /// <summary>The tensors of a list of NodeValue or NodeGradient, in protobuf JSON, by node id.</summary>
    private static Dictionary<string, double[]> ByNode(JsonElement entries, string tensorField) =>
        entries.EnumerateArray().ToDictionary(
            entry => entry.GetProperty("nodeId").GetString()!,
            entry => entry.GetProperty(tensorField).GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray());
}
