using GraphGrpc.Server.Security;

namespace GraphGrpc.Server.Tests.Security;

/// <summary>Token sources: what turns auth on, and bad sources stopping startup with a reason that quotes no secret.</summary>
public sealed class BearerTokensTests
{
    [Fact]
    public void FromOptions_NothingSet_IsNullSoAuthIsOff()
    {
        Assert.Null(BearerTokens.FromOptions(new AuthOptions()));
    }

    [Fact]
    public void FromOptions_TokensSetting_AcceptsEachCommaSeparatedTokenOnly()
    {
        var tokens = BearerTokens.FromOptions(new AuthOptions { Tokens = " first-token-0123456789 , second-token-0123456789 " })!;

        Assert.Equal(2, tokens.Count);
        Assert.True(tokens.Accepts("first-token-0123456789"));
        Assert.True(tokens.Accepts("second-token-0123456789"));
        Assert.False(tokens.Accepts("first-token-0123456789,second-token-0123456789"));
        Assert.False(tokens.Accepts(""));
    }

    [Fact]
    public void FromOptions_TokenFileMissing_FailsNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"graphgrpc-no-such-tokens-{Guid.NewGuid():N}");

        var error = Assert.Throws<InvalidOperationException>(() => BearerTokens.FromOptions(new AuthOptions { TokenFile = path }));

        Assert.StartsWith($"GraphGrpc:Auth:TokenFile '{path}' cannot be read:", error.Message);
    }

    [Fact]
    public void FromOptions_TokenFileWithOnlyComments_FailsRatherThanRefusingEveryCall()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# no tokens yet\n\n");

            var error = Assert.Throws<InvalidOperationException>(() => BearerTokens.FromOptions(new AuthOptions { TokenFile = path }));

            Assert.Equal("GraphGrpc:Auth is set but names no token; every call would be refused.", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("long-enough-token-0,short", "GraphGrpc:Auth: token 2 is shorter than 16 characters.")]
    [InlineData("has a space in the token", "GraphGrpc:Auth: token 1 holds a space or a character outside printable ASCII, which metadata cannot carry.")]
    public void FromOptions_BadToken_FailsNamingItsPositionNotItsValue(string setting, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => BearerTokens.FromOptions(new AuthOptions { Tokens = setting }));

        Assert.Equal(message, error.Message);
    }
}
