using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GraphGrpc.Transport.Client;
using GraphGrpc.Transport.Tests.TestServer;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GraphGrpc.Transport.Tests;

/// <summary>TLS comes from Kestrel's own endpoint configuration; ALPN picks HTTP/2.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task UnaryCall_TlsEndpointOfferingHttp1AndHttp2_NegotiatesHttp2AndSucceeds()
    {
        using var certificate = CreateSelfSignedCertificate();
        await using var app = await StartTlsServerAsync(certificate);
        var port = new Uri(app.Urls.First()).Port;
        using var channel = GrpcChannel.ForAddress($"https://localhost:{port}", new GrpcChannelOptions { HttpHandler = TrustingHandler(certificate) });
        var method = Client.Method<SimpleRequest, SimpleResponse>.From(GrpcTestServer.TestService.FindMethodByName("UnaryCall"));

        var response = await channel.AsyncUnaryCall(method, new SimpleRequest { ResponseSize = 5 });

        Assert.Equal(5, response.Payload.Body.Length);
    }

    [Fact]
    public async Task UnaryCall_OverHttp1_Returns426WithGrpcStatus()
    {
        using var certificate = CreateSelfSignedCertificate();
        await using var app = await StartTlsServerAsync(certificate);
        var port = new Uri(app.Urls.First()).Port;
        using var client = new HttpClient(TrustingHandler(certificate));
        var request = RawGrpc.Request($"https://localhost:{port}", "/grpc.testing.TestService/UnaryCall", RawGrpc.Frame(new SimpleRequest()));
        request.Version = HttpVersion.Version11;

        var response = await RawGrpc.SendAsync(client, request);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("HTTP/1.1", response.GrpcMessage, StringComparison.Ordinal);
    }

    private static SocketsHttpHandler TrustingHandler(X509Certificate2 certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        return handler;
    }

    private static async Task<WebApplication> StartTlsServerAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcTransport();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        var app = builder.Build();
        app.MapGrpcService<TestServiceImpl>(GrpcTestServer.TestService);
        await app.StartAsync();
        return app;
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
