using System.Security.Cryptography.X509Certificates;

namespace GraphGrpc.Client;

/// <summary>How a <see cref="GraphEvaluatorClient"/> authenticates itself and the server.</summary>
public sealed class GraphEvaluatorClientOptions
{
    /// <summary>Sent as <c>authorization: Bearer TOKEN</c> on every call; null sends none.</summary>
    public string? BearerToken { get; init; }

    /// <summary>
    /// For https:// addresses, the certificate authorities to trust instead of the system's, e.g.
    /// a cluster's own CA or a self-signed server certificate. The host name is still checked.
    /// </summary>
    public X509Certificate2Collection? RootCertificates { get; init; }

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
