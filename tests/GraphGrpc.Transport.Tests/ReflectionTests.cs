using System.Globalization;
using GraphGrpc.Transport.Tests.Interop;
using GraphGrpc.Transport.Tests.TestServer;

namespace GraphGrpc.Transport.Tests;

/// <summary>buf curl, an independent client, discovers the schema through reflection and calls with it.</summary>
public sealed class ReflectionTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>
{
    private static readonly string Buf = Path.Combine(InteropClientRunner.RepositoryRoot, "tests/tools/node_modules/.bin/buf");

    private Task<ClientRun> BufCurlAsync(params string[] arguments) =>
        InteropClientRunner.RunAsync(Buf,
            ["curl", "--protocol", "grpc", "--http2-prior-knowledge", .. arguments],
            timeout: TimeSpan.FromMinutes(1));

    private string Url(string path = "") => $"http://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}{path}";

    [Theory]
    [InlineData("grpc-v1")]
    [InlineData("grpc-v1alpha")]
    public async Task ListServices_ReflectionProtocol_ListsEveryMappedService(string reflectProtocol)
    {
        var run = await BufCurlAsync("--reflect-protocol", reflectProtocol, "--list-services", Url());

        Assert.True(run.ExitCode == 0, run.StandardError);
        var services = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("grpc.testing.TestService", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1.ServerReflection", services);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", services);
    }

    [Theory]
    [InlineData("grpc-v1")]
    [InlineData("grpc-v1alpha")]
    public async Task HealthCheck_SchemaFromReflection_ReturnsServing(string reflectProtocol)
    {
        var run = await BufCurlAsync("--reflect-protocol", reflectProtocol,
            "-d", """{"service":"grpc.testing.TestService"}""", Url("/grpc.health.v1.Health/Check"));

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("\"SERVING\"", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_SchemaWithDependenciesFromReflection_ReturnsPayloadOfAskedSize()
    {
        var run = await BufCurlAsync("-d", """{"responseSize":3,"responseCompressed":{"value":true}}""", Url("/grpc.testing.TestService/UnaryCall"));

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("\"body\": \"AAAA\"", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryCall_EchoedStatusWithSpecialCharacters_BufCurlReportsCodeAndMessage()
    {
        var run = await BufCurlAsync("-d", """{"responseStatus":{"code":9,"message":"50% done, ☺"}}""", Url("/grpc.testing.TestService/UnaryCall"));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("failed_precondition", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("50% done, ☺", run.StandardError, StringComparison.Ordinal);
    }
}
