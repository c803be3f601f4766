using System.Text.RegularExpressions;

namespace GraphGrpc.Server.Tests.Clients;

/// <summary>The Go client's Differentiate, tangents and Hessian-vector product: its go tests for them, against the real server.</summary>
public sealed partial class GoAutodiffTests(ServerFixture server, GoWorkspace go) : IClassFixture<ServerFixture>, IClassFixture<GoWorkspace>
{
    private static readonly string[] Tests =
    [
        "TestDifferentiateGivesTheGradientAsAGraph", "TestTangentsAreDirectionalDerivatives", "TestHessianVectorProductMatchesTheClosedForm",
        "TestEvaluateBatchTangentColumnsGiveEachPointsTangent", "TestDifferentiateUnknownWrtIsAGraphError",
    ];

    [Fact]
    public async Task GoAutodiffTests_PassAgainstTheServer()
    {
        var output = await go.RunAsync(["go", "test", "-count=1", "-v", "-run", $"^({string.Join('|', Tests)})$", "graphgrpc"],
            ("GRAPHGRPC_TEST_SERVER", new Uri(server.Address).Authority));

        Assert.Equal(Tests.Order(), PassedTest().Matches(output).Select(m => m.Groups[1].Value).Order());
        Assert.DoesNotContain("--- FAIL", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*--- PASS: (\w+)", RegexOptions.Multiline)]
    private static partial Regex PassedTest();
}
