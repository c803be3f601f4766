using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;

namespace GraphGrpc.Server.Hosting;

/// <summary>
/// Kestrel for a gRPC server: HTTP/2 without TLS unless configuration says otherwise, windows sized
/// for bulk streams, TLS and endpoints from Kestrel's own configuration (a Unix socket among them).
/// </summary>
internal static class KestrelSetup
{
    // A 1 MiB batch chunk fits a stream window many times over, so a stream is never stalled waiting
    // for WINDOW_UPDATEs between chunks; the connection window covers several such streams.
    private const int StreamWindow = 16 * 1024 * 1024;
    private const int ConnectionWindow = 32 * 1024 * 1024;
    private static readonly TimeSpan SlowHeadersTimeout = TimeSpan.FromSeconds(10);

    public static void ConfigureKestrelForGrpc(this WebApplicationBuilder builder)
    {
        // h2c by default: gRPC clients speak HTTP/2 with prior knowledge. As the first (lowest)
        // configuration source, every other source still wins, so a TLS endpoint can ask for Http1AndHttp2.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = [new("Kestrel:EndpointDefaults:Protocols", nameof(HttpProtocols.Http2))],
        });
        // The slim builder leaves out TLS from configuration (Kestrel:Endpoints:*:Certificate); deployments need it.
        builder.WebHost.UseKestrelHttpsConfiguration();
        var hasEndpoints = !string.IsNullOrEmpty(builder.Configuration["urls"]) || builder.Configuration.GetSection("Kestrel:Endpoints").Exists();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.InitialStreamWindowSize = StreamWindow;
            kestrel.Limits.Http2.InitialConnectionWindowSize = ConnectionWindow;
            // A client that sends its request headers a field at a time and never ends them
            // (slowloris) holds a connection; Kestrel's default lets it do so for 30 s.
            kestrel.Limits.RequestHeadersTimeout = SlowHeadersTimeout;
        });
        // Plain-text HTTP/2 on loopback unless --urls, ASPNETCORE_URLS or Kestrel endpoints say
        // otherwise; a Unix socket for a sidecar is the URL http://unix:/path/to.sock.
        if (!hasEndpoints)
        {
            builder.WebHost.UseUrls(GraphGrpcServer.DefaultUrl);
        }
    }
}
