using Google.Protobuf.Reflection;

namespace GraphGrpc.Transport.Internal;

/// <summary>The services mapped on this host: reflection lists them, UNIMPLEMENTED names them.</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly List<ServiceDescriptor> _services = [];
    private readonly Lock _lock = new();

    public bool UnimplementedRouteMapped { get; set; }

    public void Add(ServiceDescriptor service)
    {
        lock (_lock)
        {
            if (_services.Any(s => s.FullName == service.FullName))
            {
                throw new InvalidOperationException($"Service '{service.FullName}' is already mapped.");
            }
            _services.Add(service);
        }
    }

    public bool Contains(string fullName)
    {
        lock (_lock)
        {
            return _services.Any(s => s.FullName == fullName);
        }
    }

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_lock)
            {
                return _services.ToArray();
            }
        }
    }
}
