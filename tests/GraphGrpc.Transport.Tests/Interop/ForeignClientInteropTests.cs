namespace GraphGrpc.Transport.Tests.Interop;

public static class InteropTheory
{
    public static TheoryData<string> Cases { get; } = new(InteropClientRunner.AllCases);

    public static void AssertPassed(ClientRun run, string testCase)
    {
        var verdict = run.Verdict(testCase);
        Assert.True(verdict == $"PASS {testCase}", verdict);
    }
}

public sealed class PythonInteropTests(PythonClientFixture fixture) : IClassFixture<PythonClientFixture>
{
    [Theory]
    [MemberData(nameof(InteropTheory.Cases), MemberType = typeof(InteropTheory))]
    public void PythonClient_InteropCase_Passes(string testCase) => InteropTheory.AssertPassed(fixture.Run, testCase);
}

public sealed class NodeInteropTests(NodeClientFixture fixture) : IClassFixture<NodeClientFixture>
{
    [Theory]
    [MemberData(nameof(InteropTheory.Cases), MemberType = typeof(InteropTheory))]
    public void NodeClient_InteropCase_Passes(string testCase) => InteropTheory.AssertPassed(fixture.Run, testCase);
}

public sealed class GoInteropTests(GoClientFixture fixture) : IClassFixture<GoClientFixture>
{
    [Theory]
    [MemberData(nameof(InteropTheory.Cases), MemberType = typeof(InteropTheory))]
    public void GoClient_InteropCase_Passes(string testCase) => InteropTheory.AssertPassed(fixture.Run, testCase);
}
