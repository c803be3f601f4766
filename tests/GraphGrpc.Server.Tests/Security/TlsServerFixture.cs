using GraphGrpc.Client;
using Microsoft.AspNetCore.Builder;

namespace GraphGrpc.Server.Tests.Security;

/// <summary>
/// The real server behind TLS, configured only through Kestrel's endpoint settings (certificate
/// and key files), with a bearer token required: the shape of a production deployment.
/// </summary>
public sealed class TlsServerFixture : IAsyncLifetime
{
    public const string Token = "tls-token-Vq4Mx8Rb2Ws6Kd1";

    private readonly TestCertificates _certificates = new();

    public WebApplication App { get; private set; } = null!;

    public string Address { get; private set; } = "";

    public int Port => new Uri(Address).Port;

    public string CaPath => _certificates.CaPath;

    public async Task InitializeAsync()
    {
        App = GraphGrpcServer.Build([
            "--Logging:LogLevel:Default=Warning",
            "--Kestrel:Endpoints:Grpc:Url=https://127.0.0.1:0",
            $"--Kestrel:Endpoints:Grpc:Certificate:Path={_certificates.CertificatePath}",
            $"--Kestrel:Endpoints:Grpc:Certificate:KeyPath={_certificates.KeyPath}",
            $"--GraphGrpc:Auth:Tokens={Token}",
        ]);
        await App.StartAsync();
        Address = App.Urls.Single();
    }

    public GraphEvaluatorClient Client(string? token, bool trustTheCa = true) =>
        GraphEvaluatorClient.ForAddress(Address, new GraphEvaluatorClientOptions
        {
            BearerToken = token,
            RootCertificates = trustTheCa ? GraphEvaluatorClientOptions.LoadRootCertificates(CaPath) : null,
        });

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        _certificates.Dispose();
    }
}
