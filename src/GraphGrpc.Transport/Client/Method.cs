using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace GraphGrpc.Transport.Client;

/// <summary>A method to call: its path and message parser, taken from the proto descriptor.</summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private Method(string path, MessageParser<TResponse> responseParser)
    {
        Path = path;
        ResponseParser = responseParser;
    }

    /// <summary>The HTTP/2 path, <c>/package.Service/Method</c>.</summary>
    public string Path { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    /// <summary>Builds the method from its descriptor; its message types must match the type arguments.</summary>
    public static Method<TRequest, TResponse> From(MethodDescriptor method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"rpc {method.FullName} takes {method.InputType.ClrType.Name} and returns {method.OutputType.ClrType.Name}, " +
                $"not {typeof(TRequest).Name} and {typeof(TResponse).Name}.", nameof(method));
        }
        return new Method<TRequest, TResponse>($"/{method.Service.FullName}/{method.Name}",
            (MessageParser<TResponse>)method.OutputType.Parser);
    }

    /// <summary>A method by path alone, e.g. to call one the server does not know.</summary>
    public static Method<TRequest, TResponse> FromPath(string path, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(responseParser);
        return new Method<TRequest, TResponse>(path, responseParser);
    }
}
