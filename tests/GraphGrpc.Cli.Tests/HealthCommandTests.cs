using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GraphGrpc.Server;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Cli.Tests;

/// <summary>graphgrpc health: exit 0 and SERVING only when the server says so; every other answer or failure is exit 1 with the reason.</summary>
public sealed class HealthCommandTests(LocalServer server) : IClassFixture<LocalServer>
{
    [Theory]
    [InlineData("")]
    [InlineData("graphgrpc.v1.GraphEvaluator")]
    public void Health_ServingServer_PrintsServingAndExits0(string service)
    {
        var (exitCode, output, error) = CliRunner.Run("health", "--server", server.Address, "--service", service);

        Assert.Equal((0, "SERVING\n", ""), (exitCode, output, error));
    }

    [Fact]
    public void Health_UnknownService_Exits1NamingIt()
    {
        var (exitCode, output, error) = CliRunner.Run("health", "--server", server.Address, "--service", "no.such.Service");

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Equal($"{server.Address}: NotFound: Service 'no.such.Service' is unknown to the health service.\n", error);
    }

    [Fact]
    public void Health_ServerNotThere_Exits1SayingUnavailable()
    {
        var (exitCode, _, error) = CliRunner.Run("health", "--server", "http://127.0.0.1:1");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("http://127.0.0.1:1: Unavailable:", error);
    }

    [Theory]
    [InlineData("--timeout", "0", "--timeout: 0 is not a positive number of seconds.")]
    [InlineData("--server", "ftp://127.0.0.1:1", "--server: 'ftp://127.0.0.1:1' is not an http://, https:// or unix: address.")]
    public void Health_BadOption_Exits1NamingIt(string option, string value, string message)
    {
        var (exitCode, _, error) = CliRunner.Run("health", option, value);

        Assert.Equal(1, exitCode);
        Assert.StartsWith(message, error);
    }

    [Fact]
    public void Health_CaFileMissing_Exits1NamingTheOption()
    {
        var (exitCode, _, error) = CliRunner.Run("health", "--server", server.Address, "--ca", "/nonexistent/ca.pem");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("--ca: '/nonexistent/ca.pem' cannot be used:", error);
    }

    [Fact]
    public async Task Health_NotServingServer_PrintsNotServingAndExits1()
    {
        await using var app = GraphGrpcServer.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        app.Services.GetRequiredService<HealthServiceImpl>().SetStatus("", ServingStatus.NotServing);

        var (exitCode, output, _) = CliRunner.Run("health", "--server", app.Urls.First());

        Assert.Equal((1, "NOT_SERVING\n"), (exitCode, output));
        await app.StopAsync();
    }

    [Fact]
    public async Task Health_TlsServerWithTokenAuth_IsServingOnlyWhenTheCaIsTrusted()
    {
        var folder = Directory.CreateTempSubdirectory("graphgrpc-health-tls-").FullName;
        try
        {
            var (certificate, key) = WriteSelfSignedCertificate(folder);
            await using var app = GraphGrpcServer.Build([
                "--Logging:LogLevel:Default=Warning", "--Kestrel:Endpoints:Grpc:Url=https://127.0.0.1:0",
                $"--Kestrel:Endpoints:Grpc:Certificate:Path={certificate}", $"--Kestrel:Endpoints:Grpc:Certificate:KeyPath={key}",
                "--GraphGrpc:Auth:Tokens=health-token-0123456789",
            ]);
            await app.StartAsync();
            var address = app.Urls.Single();

            var trusted = CliRunner.Run("health", "--server", address, "--ca", certificate, "--token", "health-token-0123456789");
            var untrusted = CliRunner.Run("health", "--server", address);

            Assert.Equal((0, "SERVING\n"), (trusted.ExitCode, trusted.Output));
            Assert.Equal(1, untrusted.ExitCode);
            // grpc-dotnet reports a failed handshake as INTERNAL; the line names the TLS cause.
            Assert.StartsWith($"{address}: Internal: TLS failed:", untrusted.Error);
            await app.StopAsync();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A self-signed certificate for 127.0.0.1, as PEM certificate and key files; it is its own CA.</summary>
    private static (string Certificate, string Key) WriteSelfSignedCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var (certificatePath, keyPath) = (Path.Combine(folder, "server.pem"), Path.Combine(folder, "server.key"));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
