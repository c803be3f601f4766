using System.Security.Authentication;
using Grpc.Core;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// What went wrong with a call, in one line. A connection failure's status detail often says only
/// "see inner exception"; the innermost cause (a certificate that did not verify, a refused
/// connection) is what a user can act on.
/// </summary>
internal static class RpcFailure
{
    public static string Describe(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var cause = exception.Status.DebugException;
        if (cause is null)
        {
            return exception.Status.Detail;
        }
        var messages = new List<string>();
        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                messages.Add($"TLS failed: {e.Message}");
            }
            else if (e.InnerException is null || e is System.Net.Sockets.SocketException)
            {
                messages.Add(e.Message);
            }
        }
        return string.Join("; ", messages.Distinct());
    }
}
