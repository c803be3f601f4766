using Microsoft.Extensions.Primitives;

namespace GraphGrpc.Server.Security;

/// <summary>
/// Refuses calls without an accepted <c>authorization: Bearer TOKEN</c> with UNAUTHENTICATED, as a
/// Trailers-Only response. Health stays open so that load balancers and Kubernetes probes, which
/// carry no token, still see SERVING or NOT_SERVING. Reflection needs a token like any other call.
/// </summary>
internal static partial class BearerTokenAuthentication
{
    private const string HealthPath = "/grpc.health.v1.Health";
    private const string Scheme = "Bearer ";

    public static void UseBearerTokenAuthentication(this WebApplication app, BearerTokens tokens, ILogger logger)
    {
        app.Lifetime.ApplicationStarted.Register(() => LogEnabled(logger, tokens.Count));
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments(HealthPath))
            {
                await next(http);
                return;
            }
            var failure = Check(http.Request.Headers.Authorization, tokens);
            if (failure is not null)
            {
                // The reason and the peer only: the presented token is never logged.
                LogRefused(logger, http.Request.Path, failure, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                http.Response.ContentType = "application/grpc";
                http.Response.Headers["grpc-status"] = "16";
                http.Response.Headers["grpc-message"] = failure;
                return;
            }
            // Accepted: the service behind has no use for the token, so it cannot log it either.
            http.Request.Headers.Remove("authorization");
            await next(http);
        });
    }

    /// <summary>Null when the header carries an accepted token, otherwise why the call is refused.</summary>
    private static string? Check(StringValues header, BearerTokens tokens)
    {
        if (header.Count == 0 || string.IsNullOrEmpty(header[0]))
        {
            return "missing bearer token: send metadata 'authorization: Bearer <token>'";
        }
        if (header.Count > 1)
        {
            return "more than one authorization header";
        }
        var value = header[0]!;
        if (!value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "the authorization metadata must use the Bearer scheme: 'Bearer <token>'";
        }
        return tokens.Accepts(value.AsSpan(Scheme.Length).Trim()) ? null : "the bearer token is not accepted";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bearer-token authentication is on with {Count} accepted token(s); health stays open")]
    private static partial void LogEnabled(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an unauthenticated call to {Path} from {Peer}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string path, string reason, string peer);
}
