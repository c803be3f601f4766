using Google.Protobuf;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Calls;

/// <summary>
/// Binds GraphEvaluator's methods with request marshallers that turn a message which is not valid
/// protobuf into INVALID_ARGUMENT naming the message and the parser's reason. grpc-dotnet parses
/// a unary request before any interceptor runs, and on its own answers such input with UNKNOWN
/// "Exception was thrown by handler". The service names this binder with [BindServiceMethod].
/// </summary>
internal sealed class InvalidMessageBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    /// <summary>Called by grpc-dotnet in place of the generated <c>GraphEvaluator.BindService</c>.</summary>
    public static void BindService(ServiceBinderBase binder, Proto.GraphEvaluator.GraphEvaluatorBase? service) =>
        Proto.GraphEvaluator.BindService(new InvalidMessageBinder(binder), service);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    private static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var parse = method.RequestMarshaller.ContextualDeserializer;
        var requests = Marshallers.Create(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return parse(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"the {typeof(TRequest).Name} message ({context.PayloadLength} bytes) is not valid protobuf: {e.Message}"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
    }
}
