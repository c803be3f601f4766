using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GraphGrpc.Server.Tests;

/// <summary>With OTEL_EXPORTER_OTLP_ENDPOINT set, spans and metrics reach an OTLP collector.</summary>
public sealed class OtlpExportTests
{
    /// <summary>A stand-in OTLP/HTTP collector that keeps the body of every export it is sent, by path.</summary>
    private sealed class FakeCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeCollector(WebApplication app) => _app = app;

        public ConcurrentBag<(string Path, byte[] Body)> Exports { get; } = [];

        public string Address => _app.Urls.First();

        public static async Task<FakeCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var collector = new FakeCollector(app);
            app.MapPost("/v1/{signal}", async (HttpContext http) =>
            {
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body);
                collector.Exports.Add((http.Request.Path, body.ToArray()));
                return Results.Ok();
            });
            await app.StartAsync();
            return collector;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Server_WithOtlpEndpoint_ExportsTheRpcSpanAndMetrics()
    {
        await using var collector = await FakeCollector.StartAsync();
        var server = new ServerFixtureWith(
            [$"--OTEL_EXPORTER_OTLP_ENDPOINT={collector.Address}", "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", "--GraphGrpc:Telemetry:SamplingRatio=1"]);
        await server.InitializeAsync();

        await server.Client.EvaluateUnaryAsync(new Contracts.V1.EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") });
        // Stopping the server flushes what its exporters hold.
        await server.DisposeAsync();

        static string Text(byte[] body) => Encoding.UTF8.GetString(body);
        Assert.Contains(collector.Exports, e => e.Path == "/v1/traces" && Text(e.Body).Contains("graphgrpc.v1.GraphEvaluator/EvaluateUnary"));
        Assert.Contains(collector.Exports, e => e.Path == "/v1/metrics" && Text(e.Body).Contains("graphgrpc.requests"));
    }

    private sealed class ServerFixtureWith(string[] settings) : ServerFixture(settings);
}
