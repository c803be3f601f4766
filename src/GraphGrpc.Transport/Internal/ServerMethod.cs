using Microsoft.Extensions.Logging;

namespace GraphGrpc.Transport.Internal;

/// <summary>What every call of one mapped method shares: its path, the options and a logger.</summary>
internal sealed record ServerMethod(string Path, GrpcTransportOptions Options, ILogger Logger);
