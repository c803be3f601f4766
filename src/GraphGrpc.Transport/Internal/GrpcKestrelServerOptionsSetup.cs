using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace GraphGrpc.Transport.Internal;

/// <summary>
/// Plain-text endpoints speak HTTP/2 with prior knowledge (h2c), as gRPC clients expect; an
/// endpoint's own configuration (e.g. TLS with HTTP/1 and HTTP/2) still overrides this default.
/// </summary>
internal sealed class GrpcKestrelServerOptionsSetup : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options) =>
        options.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
}
