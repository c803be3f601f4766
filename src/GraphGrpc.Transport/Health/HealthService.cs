using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Transport.Health;

/// <summary>
/// The standard grpc.health.v1.Health service (grpc/grpc doc/health-checking.md). The empty
/// service name stands for the whole server and starts SERVING; others are set by the host.
/// </summary>
public sealed class HealthService
{
    private readonly ConcurrentDictionary<string, ServingStatus> _statuses = new() { [""] = ServingStatus.Serving };
    private readonly Lock _watchersLock = new();
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = [];

    /// <summary>Sets a service's status and tells every watcher of it.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        _statuses[service] = status;
        Notify(service, status);
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND and watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _statuses.TryRemove(service, out _);
        Notify(service, ServingStatus.ServiceUnknown);
    }

    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _statuses.TryGetValue(request.Service, out var status)
            ? Task.FromResult(new HealthCheckResponse { Status = status })
            : throw new RpcException(StatusCode.NotFound, $"Service '{request.Service}' is unknown to the health service.");
    }

    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        // Only the latest status matters to a watcher, so a slow one skips the stale ones.
        var updates = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_watchersLock)
        {
            if (!_watchers.TryGetValue(request.Service, out var list))
            {
                _watchers[request.Service] = list = [];
            }
            list.Add(updates);
        }
        try
        {
            var current = _statuses.TryGetValue(request.Service, out var status) ? status : ServingStatus.ServiceUnknown;
            await responseStream.WriteAsync(new HealthCheckResponse { Status = current }).ConfigureAwait(false);
            var last = current;
            await foreach (var update in updates.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                if (update != last)
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = update }).ConfigureAwait(false);
                    last = update;
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The watcher went away or its deadline passed: the normal end of a Watch.
        }
        finally
        {
            lock (_watchersLock)
            {
                var list = _watchers[request.Service];
                list.Remove(updates);
                if (list.Count == 0)
                {
                    _watchers.Remove(request.Service);
                }
            }
        }
    }

    private void Notify(string service, ServingStatus status)
    {
        lock (_watchersLock)
        {
            if (_watchers.TryGetValue(service, out var list))
            {
                foreach (var watcher in list)
                {
                    watcher.Writer.TryWrite(status);
                }
            }
        }
    }
}
