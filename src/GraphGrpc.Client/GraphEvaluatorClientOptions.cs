using System.Security.Cryptography.X509Certificates;

namespace GraphGrpc.Client;

/// <summary>How a <see cref="GraphEvaluatorClient"/> authenticates itself and the server, and how large its messages may be.</summary>
public sealed class GraphEvaluatorClientOptions
{
    /// <summary>The server's default message limit: 64 MiB.</summary>
    public const int DefaultMaxMessageSize = 64 * 1024 * 1024;

    /// <summary>Sent as <c>authorization: Bearer TOKEN</c> on every call, streams included; null sends none.</summary>
    public string? BearerToken { get; init; }

    /// <summary>
    /// For https:// addresses, the certificate authorities to trust instead of the system's, e.g.
    /// a cluster's own CA or a self-signed server certificate. The host name is still checked.
    /// </summary>
    public X509Certificate2Collection? RootCertificates { get; init; }

    /// <summary>
    /// The largest message sent or received, in bytes; null for no limit. The default matches the
    /// server's, so a reply the server was willing to send is never refused here.
    /// </summary>
    public int? MaxMessageSize { get; init; } = DefaultMaxMessageSize;

    /// <summary>
    /// How many times an idempotent call is tried while the server refuses it as overloaded
    /// (RESOURCE_EXHAUSTED with a retry delay), the first try included; 1 turns retries off.
    /// </summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Reads <paramref name="path"/>, a PEM file of one or more CA certificates.</summary>
    public static X509Certificate2Collection LoadRootCertificates(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        if (roots.Count == 0)
        {
            throw new ArgumentException($"'{path}' holds no PEM certificate.", nameof(path));
        }
        return roots;
    }
}
