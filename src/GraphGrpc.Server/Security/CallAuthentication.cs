namespace GraphGrpc.Server.Security;

/// <summary>
/// Bearer-token authentication of one call: with tokens configured, a call needs an accepted
/// <c>authorization: Bearer TOKEN</c> or it ends UNAUTHENTICATED. Health stays open so that load
/// balancers and Kubernetes probes, which carry no token, still see SERVING or NOT_SERVING.
/// Reflection needs a token like any other call.
/// </summary>
internal sealed partial class CallAuthentication(BearerTokens? tokens)
{
    private const string Scheme = "Bearer ";

    public bool IsOn => tokens is not null;

    /// <summary>Null when the call may go on, otherwise why it is refused. The presented token is never logged.</summary>
    public string? Refusal(ServerCallContext context)
    {
        if (tokens is null)
        {
            return null;
        }
        var headers = context.RequestHeaders.Where(entry => entry.Key == "authorization").ToList();
        if (headers.Count == 0 || string.IsNullOrEmpty(headers[0].Value))
        {
            return "missing bearer token: send metadata 'authorization: Bearer <token>'";
        }
        if (headers.Count > 1)
        {
            return "more than one authorization header";
        }
        var value = headers[0].Value;
        if (!value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "the authorization metadata must use the Bearer scheme: 'Bearer <token>'";
        }
        return tokens.Accepts(value.AsSpan(Scheme.Length).Trim()) ? null : "the bearer token is not accepted";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bearer-token authentication is on with {Count} accepted token(s); health stays open")]
    public static partial void LogEnabled(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an unauthenticated call to {Method} from {Peer}: {Reason}")]
    public static partial void LogRefused(ILogger logger, string method, string reason, string peer);
}
