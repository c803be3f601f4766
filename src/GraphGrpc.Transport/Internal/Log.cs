using Microsoft.Extensions.Logging;

namespace GraphGrpc.Transport.Internal;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected a request to {Path}: {Reason}")]
    public static partial void LogRejectedRequest(this ILogger logger, string path, string reason);
}
