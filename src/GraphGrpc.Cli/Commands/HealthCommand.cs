using System.CommandLine;
using Grpc.Health.V1;
using Grpc.Core;

namespace GraphGrpc.Cli.Commands;

/// <summary>
/// graphgrpc health: asks a server's grpc.health.v1.Health/Check and exits 0 only for SERVING,
/// so that a container HEALTHCHECK or a script can use it as it is.
/// </summary>
internal static class HealthCommand
{
    public const string DefaultServer = "http://127.0.0.1:50051";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var server = new Option<string>("--server", "-s")
        {
            Description = $"The server's address. Defaults to {DefaultServer}.",
            DefaultValueFactory = _ => DefaultServer,
        };
        var service = new Option<string>("--service")
        {
            Description = "The service to ask about, e.g. graphgrpc.v1.GraphEvaluator. Defaults to \"\", the server as a whole.",
            DefaultValueFactory = _ => "",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the answer. Defaults to 5.",
            DefaultValueFactory = _ => 5,
        };
        var token = CommonOptions.Token();
        var ca = CommonOptions.Ca();
        var command = new Command("health", "Check a server's health (grpc.health.v1); exit 0 only when it is SERVING.")
        {
            server, service, timeout, token, ca,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var address = parsed.GetValue(server)!;
            var seconds = parsed.GetValue(timeout);
            if (!(seconds > 0))
            {
                error.WriteLine($"--timeout: {seconds} is not a positive number of seconds.");
                return CliApp.Failure;
            }
            try
            {
                // The channel carries the token, if any; health itself needs none.
                using var client = CommonOptions.Connect(address, parsed.GetValue(token), parsed.GetValue(ca));
                var health = new Health.HealthClient(client.CallInvoker);
                var status = (await health.CheckAsync(new HealthCheckRequest { Service = parsed.GetValue(service) ?? "" },
                    deadline: DateTime.UtcNow.AddSeconds(seconds), cancellationToken: cancellationToken)).Status;
                var name = status switch
                {
                    HealthCheckResponse.Types.ServingStatus.Serving => "SERVING",
                    HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
                    HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
                    _ => "UNKNOWN",
                };
                output.WriteLine(name);
                return status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : CliApp.Failure;
            }
            catch (ArgumentException e)
            {
                error.WriteLine(e.Message);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                error.WriteLine($"{address}: NotFound: Service '{parsed.GetValue(service)}' is unknown to the health service.");
            }
            catch (RpcException e)
            {
                error.WriteLine($"{address}: {e.StatusCode}: {RpcFailure.Describe(e)}");
            }
            return CliApp.Failure;
        });
        return command;
    }
}
