namespace GraphGrpc.Server.Tests.Interop;

/// <summary>Each case of tests/interop, run by each independent client against the server.</summary>
public static class ForeignClientTheory
{
    public static TheoryData<string> Cases { get; } = new(ForeignClientRun.Cases);

    public static void AssertPassed(ForeignClientRun run, string testCase)
    {
        var verdict = run.Verdict(testCase);
        Assert.True(verdict == $"PASS {testCase}", verdict);
    }
}

public sealed class PythonGrpcioTests(PythonClientFixture fixture) : IClassFixture<PythonClientFixture>
{
    [Theory]
    [MemberData(nameof(ForeignClientTheory.Cases), MemberType = typeof(ForeignClientTheory))]
    public void PythonGrpcio_ForeignClientCase_Passes(string testCase) => ForeignClientTheory.AssertPassed(fixture.Run, testCase);
}

public sealed class GrpcGoTests(GoClientFixture fixture) : IClassFixture<GoClientFixture>
{
    [Theory]
    [MemberData(nameof(ForeignClientTheory.Cases), MemberType = typeof(ForeignClientTheory))]
    public void GrpcGo_ForeignClientCase_Passes(string testCase) => ForeignClientTheory.AssertPassed(fixture.Run, testCase);
}

public sealed class NodeGrpcJsTests(NodeClientFixture fixture) : IClassFixture<NodeClientFixture>
{
    [Theory]
    [MemberData(nameof(ForeignClientTheory.Cases), MemberType = typeof(ForeignClientTheory))]
    public void NodeGrpcJs_ForeignClientCase_Passes(string testCase) => ForeignClientTheory.AssertPassed(fixture.Run, testCase);
}
