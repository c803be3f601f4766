using System.Text.RegularExpressions;

namespace GraphGrpc.Server.Tests.Clients;

/// <summary>
/// The Go client in src/clients/go, built with Debian's Go and grpc-go in GOPATH mode: its go tests
/// and its seed003 example against the real server, and its checked-in stubs against the protos.
/// </summary>
public sealed partial class GoClientTests(ServerFixture server, GoWorkspace go) : IClassFixture<ServerFixture>, IClassFixture<GoWorkspace>
{
    /// <summary>The go tests that need the server; each must run and pass, none be skipped.</summary>
    private static readonly string[] ServerTests =
    [
        "TestEvaluateSeed003", "TestEvaluateSeedsAndSelections", "TestEveryOpEvaluatesAsNumpyWould",
        "TestEvaluateStreamSendsValuesThenGradientsThenTheSummary", "TestEvaluateBatchGivesEachPointItsOwnEvaluation",
        "TestEvaluateBatchRefusesColumnsThatDoNotFit", "TestErrorsCarryEveryProblem", "TestValidateGivesATopologicalOrder",
        "TestExplainSumsThePathsToTheGradient",
    ];

    /// <summary>host:port, as grpc-go dials it.</summary>
    private string Address => new Uri(server.Address).Authority;

    [Fact]
    public async Task GoTests_PassAgainstTheServer()
    {
        var output = await go.RunAsync(["go", "test", "-count=1", "-v", "graphgrpc/..."], ("GRAPHGRPC_TEST_SERVER", Address));

        var passed = PassedTest().Matches(output).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Subset(passed, ServerTests.ToHashSet());
        Assert.DoesNotContain("--- FAIL", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--- SKIP", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoTests_FailWithoutAServer()
    {
        var (exitCode, output) = await go.TryRunAsync(["go", "test", "-count=1", "-run", "TestEvaluateSeed003", "graphgrpc"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("GRAPHGRPC_TEST_SERVER is not set", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed003Example_PrintsTheLossAndItsGradients()
    {
        var binary = Path.Combine(go.Root, "seed003");
        await go.RunAsync(["go", "build", "-o", binary, "graphgrpc/cmd/seed003"]);

        var output = await go.RunAsync([binary, "-server", Address]);

        Assert.Equal(["L = 4", "dL/dx = 12", "dL/dw = 8", "dL/db = 4", "dL/dy = -4"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task GoSources_AreFormattedAndVetted()
    {
        Assert.Equal("", await go.RunAsync(["gofmt", "-l", "."]));
        await go.RunAsync(["go", "vet", "graphgrpc/..."]);
    }

    [Fact]
    public async Task CheckedInStubs_MatchTheProtos()
    {
        var generated = Path.Combine(go.Root, "generated");
        await go.RunAsync(["bash", Path.Combine(GoWorkspace.Sources, "generate.sh"), generated]);

        var checkedIn = Path.Combine(GoWorkspace.Sources, "v1");
        var names = Directory.GetFiles(generated).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(names, Directory.GetFiles(checkedIn).Select(Path.GetFileName).Order().ToArray());
        foreach (var name in names)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(generated, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(checkedIn, name!))),
                $"src/clients/go/v1/{name} differs from what protoc generates from protos/; run src/clients/go/generate.sh");
        }
    }

    [GeneratedRegex(@"^\s*--- PASS: (\w+)", RegexOptions.Multiline)]
    private static partial Regex PassedTest();
}

/// <summary>
/// A GOPATH holding a copy of src/clients/go as package "graphgrpc" (the stubs at "graphgrpc/v1", as
/// their go_package says), with Debian's Go packages after it. A copy, because go's "..." patterns
/// do not follow symbolic links.
/// </summary>
public sealed class GoWorkspace : IDisposable
{
    public static string Sources { get; } = Path.Combine(Programs.RepositoryRoot, "src", "clients", "go");

    public GoWorkspace()
    {
        Root = Directory.CreateTempSubdirectory("graphgrpc-go-").FullName;
        Package = Path.Combine(Root, "src", "graphgrpc");
        Copy(new DirectoryInfo(Sources), Package);
    }

    public string Root { get; }

    /// <summary>The copied package, where the go commands run.</summary>
    public string Package { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    /// <summary>Runs a command in the package to its end and returns its output; a non-zero exit fails the test with all of it.</summary>
    public async Task<string> RunAsync(string[] command, params (string Name, string Value)[] environment)
    {
        var (exitCode, output) = await TryRunAsync(command, environment);
        Assert.True(exitCode == 0, $"{string.Join(' ', command)} exited with {exitCode}:\n{output}");
        return output;
    }

    /// <summary>Runs a command in the package to its end: its exit code, and its output and errors together.</summary>
    public async Task<(int ExitCode, string Output)> TryRunAsync(string[] command, params (string Name, string Value)[] environment)
    {
        var variables = new Dictionary<string, string?>
        {
            ["GO111MODULE"] = "off",
            ["GOPATH"] = $"{Root}:/usr/share/gocode",
            // Kept between runs, so that grpc-go compiles once; go's cache is safe to share.
            ["GOCACHE"] = Path.Combine(Path.GetTempPath(), "graphgrpc-go-build-cache"),
            ["GRAPHGRPC_TEST_SERVER"] = null,
        };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }
        var (exitCode, output, error) = await Programs.RunAsync(command[0], command.Skip(1), TimeSpan.FromMinutes(5),
            workingDirectory: Package, environment: variables);
        return (exitCode, output + error);
    }

    private static void Copy(DirectoryInfo from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in from.GetFiles())
        {
            file.CopyTo(Path.Combine(to, file.Name));
        }
        foreach (var directory in from.GetDirectories())
        {
            Copy(directory, Path.Combine(to, directory.Name));
        }
    }
}
