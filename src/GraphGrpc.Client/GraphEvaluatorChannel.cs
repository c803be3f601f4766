using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Client;

/// <summary>
/// The channel and HTTP handler a GraphGrpc client needs: HTTP/2 windows sized for bulk batch
/// streams, keep-alive pings, retries of idempotent calls the server refused as overloaded, custom TLS roots, the bearer token as call credentials, and Unix
/// domain sockets (<c>unix:/path/to.sock</c>) for a server on the same host.
/// </summary>
public static class GraphEvaluatorChannel
{
    private const string UnixPrefix = "unix:";

    // Matches the server's: a 1 MiB chunk never waits for a WINDOW_UPDATE.
    private const int StreamWindow = 16 * 1024 * 1024;

    /// <summary>A channel to <paramref name="address"/>: <c>http://host:port</c>, <c>https://host:port</c> or <c>unix:/path</c>.</summary>
    public static GrpcChannel Create(string address, GraphEvaluatorClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        options ??= new GraphEvaluatorClientOptions();
        var isUnix = address.StartsWith(UnixPrefix, StringComparison.Ordinal);
        var secure = address.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!isUnix && !secure && !address.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{address}' is not an http://, https:// or unix: address.", nameof(address));
        }
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = CreateHandler(options, isUnix ? address[UnixPrefix.Length..] : null),
            MaxReceiveMessageSize = options.MaxMessageSize,
            MaxSendMessageSize = options.MaxMessageSize,
            DisposeHttpClient = true,
            ServiceConfig = GraphEvaluatorRetry.Config(options.MaxAttempts),
        };
        if (options.BearerToken is { } token)
        {
            channelOptions.Credentials = ChannelCredentials.Create(secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, BearerCredentials(token));
            // Without TLS the token crosses in the clear; that is the caller's choice (loopback, a sidecar socket, a mesh with mTLS).
            channelOptions.UnsafeUseInsecureChannelCallCredentials = !secure;
        }
        return GrpcChannel.ForAddress(isUnix ? "http://localhost" : address, channelOptions);
    }

    /// <summary>The handler behind every GraphGrpc channel; <see cref="GraphEvaluatorClientRegistration"/> uses it too.</summary>
    public static SocketsHttpHandler CreateHandler(GraphEvaluatorClientOptions options, string? unixSocketPath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            InitialHttp2StreamWindowSize = StreamWindow,
        };
        if (options.RootCertificates is { } roots)
        {
            var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            trust.CustomTrustStore.AddRange(roots);
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = trust };
        }
        if (unixSocketPath is not null)
        {
            var endpoint = new UnixDomainSocketEndPoint(unixSocketPath);
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return handler;
    }

    /// <summary>Adds <c>authorization: Bearer TOKEN</c> to every call unless the caller set its own.</summary>
    public static CallCredentials BearerCredentials(string token)
    {
        var authorization = $"Bearer {token}";
        return CallCredentials.FromInterceptor((_, metadata) =>
        {
            if (metadata.Get("authorization") is null)
            {
                metadata.Add("authorization", authorization);
            }
            return Task.CompletedTask;
        });
    }
}
