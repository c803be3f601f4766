using GraphGrpc.Transport.Health;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GraphGrpc.Transport.Tests.TestServer;

/// <summary>A real Kestrel server on a loopback port, with the interop test service mapped.</summary>
public class GrpcTestServer : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>Large enough for every interop case; the limit tests ask for more.</summary>
    public const int MaxSendMessageSize = 1024 * 1024;

    public int Port { get; private set; }

    public static Google.Protobuf.Reflection.ServiceDescriptor TestService { get; } =
        TestReflection.Descriptor.Services.Single(s => s.Name == "TestService");

    public string Address => $"http://127.0.0.1:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    protected virtual void MapServices(WebApplication app) => app.MapGrpcService<TestServiceImpl>(TestService);

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public HealthService Health => _app!.Services.GetRequiredService<HealthService>();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddGrpcTransport(options => options.MaxSendMessageSize = MaxSendMessageSize);
        builder.Services.AddGrpcHealth();
        builder.Services.AddGrpcReflection();
        ConfigureServices(builder.Services);
        _app = builder.Build();
        MapServices(_app);
        _app.MapGrpcHealthService();
        _app.MapGrpcReflectionService();
        Health.SetStatus(TestService.FullName, Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
