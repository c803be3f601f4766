using Microsoft.Extensions.DependencyInjection;

namespace GraphGrpc.Client;

/// <summary>Registers the client in a dependency-injection host through Grpc.Net.ClientFactory.</summary>
public static class GraphEvaluatorClientRegistration
{
    /// <summary>
    /// Registers <see cref="GraphEvaluatorClient"/> for the
    /// server at <paramref name="address"/>, with the same handler, limits and token as
    /// <see cref="GraphEvaluatorClient.ForAddress"/>, retries included.
    /// </summary>
    public static IHttpClientBuilder AddGraphEvaluatorClient(this IServiceCollection services, Uri address, GraphEvaluatorClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        options ??= new GraphEvaluatorClientOptions();
        var builder = services
            .AddGrpcClient<GraphEvaluatorClient>(client => client.Address = address)
            .ConfigurePrimaryHttpMessageHandler(() => GraphEvaluatorChannel.CreateHandler(options))
            .ConfigureChannel(channel =>
            {
                channel.MaxReceiveMessageSize = options.MaxMessageSize;
                channel.MaxSendMessageSize = options.MaxMessageSize;
                channel.UnsafeUseInsecureChannelCallCredentials = address.Scheme == Uri.UriSchemeHttp;
                channel.ServiceConfig = GraphEvaluatorRetry.Config(options.MaxAttempts);
            });
        if (options.BearerToken is { } token)
        {
            builder.AddCallCredentials(GraphEvaluatorChannel.BearerCredentials(token));
        }
        return builder;
    }
}
