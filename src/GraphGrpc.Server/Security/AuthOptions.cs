namespace GraphGrpc.Server.Security;

/// <summary>
/// Bearer-token authentication: configuration section "GraphGrpc:Auth". It is on when either
/// source names at least one token, and off (every call accepted) when neither is set.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "GraphGrpc:Auth";

    /// <summary>
    /// Accepted tokens, separated by commas. Meant for the environment (<c>GraphGrpc__Auth__Tokens</c>,
    /// e.g. from a Kubernetes Secret); on the command line a token would show in the process list.
    /// </summary>
    public string? Tokens { get; set; }

    /// <summary>A file of accepted tokens, one a line; blank lines and lines starting with '#' are skipped.</summary>
    public string? TokenFile { get; set; }
}
