using Microsoft.Extensions.DependencyInjection;

namespace GraphGrpc.Transport.Internal;

/// <summary>
/// Gets the service instance for a call: the DI registration if there is one (its lifetime is
/// DI's business), otherwise a new instance per call, disposed when the call ends.
/// </summary>
internal sealed class ServiceActivator<TService>
    where TService : class
{
    private readonly bool _registered;
    private readonly ObjectFactory<TService>? _factory;

    public ServiceActivator(IServiceProvider services)
    {
        _registered = services.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) ?? false;
        _factory = _registered ? null : ActivatorUtilities.CreateFactory<TService>([]);
    }

    public TService Create(IServiceProvider requestServices) =>
        _registered ? requestServices.GetRequiredService<TService>() : _factory!(requestServices, null);

    public ValueTask ReleaseAsync(TService service)
    {
        if (_registered)
        {
            return ValueTask.CompletedTask;
        }
        if (service is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }
        (service as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    }
}
