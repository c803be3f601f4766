using GraphGrpc.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GraphGrpc.Server.Tests.Security;

/// <summary>
/// The real server with bearer-token auth on: one token from a token file, one from the Tokens
/// setting (as the environment would give it). Every log entry, at every level, is captured.
/// </summary>
public sealed class TokenServerFixture : IAsyncLifetime
{
    public const string FileToken = "file-token-7Qw3Zr9Lk2Vb8Nx4";
    public const string SettingToken = "setting-token-Hd5Jp1Ty6Gm0Rc3";

    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), $"graphgrpc-tokens-{Guid.NewGuid():N}");
    private readonly CapturedLogs _logs = new();

    public WebApplication App { get; private set; } = null!;

    public string Address { get; private set; } = "";

    public IReadOnlyCollection<string> Logs => _logs.Entries;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, $"# accepted tokens, one a line\n\n{FileToken}\n");
        App = GraphGrpcServer.Build([
            "--urls", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Trace", "--Logging:Console:LogLevel:Default=None",
            $"--GraphGrpc:Auth:TokenFile={_tokenFile}", $"--GraphGrpc:Auth:Tokens={SettingToken}",
        ]);
        App.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);
        await App.StartAsync();
        Address = App.Urls.First();
    }

    public GraphEvaluatorClient Client(string? token) => GraphEvaluatorClient.ForAddress(Address, new GraphEvaluatorClientOptions { BearerToken = token });

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        File.Delete(_tokenFile);
    }
}
