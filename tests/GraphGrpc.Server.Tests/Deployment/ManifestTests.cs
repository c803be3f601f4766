using System.Globalization;
using System.Text.Json.Nodes;
using GraphGrpc.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace GraphGrpc.Server.Tests.Deployment;

/// <summary>
/// The Kubernetes manifests render with kubectl kustomize, and they, the Dockerfile and the compose
/// file agree with each other and with the server: one port, probes the server answers, a grace
/// period longer than the drain, settings the server binds.
/// </summary>
public sealed class ManifestTests
{
    private const int GrpcPort = 50051;

    [Fact]
    public async Task Kustomize_DeployK8s_RendersEveryResourceOnce()
    {
        var resources = await Manifests.RenderKustomizationAsync();

        Assert.Equal(
            ["ConfigMap/graphgrpc", "Deployment/graphgrpc", "HorizontalPodAutoscaler/graphgrpc", "PodDisruptionBudget/graphgrpc", "Service/graphgrpc", "Service/graphgrpc-headless"],
            resources.Select(r => $"{r!["kind"]}/{r["metadata"]!["name"]}").Order(StringComparer.Ordinal));
        Assert.All(resources, r => Assert.Equal("graphgrpc", (string?)r!["metadata"]!["labels"]!["app.kubernetes.io/name"]));
    }

    [Fact]
    public async Task Manifests_ProbeContainerServiceAndServerPorts_Agree()
    {
        var resources = await Manifests.RenderKustomizationAsync();
        var container = Container(resources);
        var configMap = Manifests.Single(resources, "ConfigMap")["data"]!;

        var containerPort = container["ports"]!.AsArray().Single()!;
        Assert.Equal(("grpc", GrpcPort), ((string?)containerPort["name"], (int)containerPort["containerPort"]!));
        Assert.Equal(GrpcPort, Manifests.PortOf((string)configMap["ASPNETCORE_URLS"]!));
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.Equal(GrpcPort, (int)container[probe]!["grpc"]!["port"]!);
        }
        foreach (var service in resources.Where(r => (string?)r!["kind"] == "Service"))
        {
            var port = service!["spec"]!["ports"]!.AsArray().Single()!;
            Assert.Equal((GrpcPort, "grpc"), ((int)port["port"]!, (string?)port["targetPort"]));
        }
        Assert.Equal(GrpcPort, Manifests.PortOf(Dockerfile.Env("ASPNETCORE_URLS")));
        Assert.Equal(GrpcPort.ToString(CultureInfo.InvariantCulture), Dockerfile.All("EXPOSE").Single());
        Assert.Contains($"\"--server\", \"http://127.0.0.1:{GrpcPort}\"", Dockerfile.All("HEALTHCHECK").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadinessProbe_Service_IsOneTheServerReportsAndDrains()
    {
        var container = Container(await Manifests.RenderKustomizationAsync());

        var service = (string?)container["readinessProbe"]!["grpc"]!["service"];

        Assert.Contains(service, ShutdownDrain.HealthServices);
        Assert.Null(container["livenessProbe"]!["grpc"]!["service"]);
    }

    [Fact]
    public async Task TerminationGracePeriod_ExceedsTheConfiguredDrainTime()
    {
        var resources = await Manifests.RenderKustomizationAsync();
        var options = Bind(Manifests.Single(resources, "ConfigMap")["data"]!.AsObject());

        var grace = TimeSpan.FromSeconds((int)Manifests.Single(resources, "Deployment")["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]!);

        Assert.Equal(TimeSpan.FromSeconds(25), options.DrainTime);
        Assert.InRange(grace - options.DrainTime, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task ConfigMap_GraphGrpcSettings_AreAllKnownAndTheServerServesWithThem()
    {
        var resources = await Manifests.RenderKustomizationAsync();
        var data = Manifests.Single(resources, "ConfigMap")["data"]!.AsObject();
        var known = typeof(EvaluatorOptions).GetProperties().Select(p => $"{EvaluatorOptions.Section}__{p.Name}").ToHashSet();
        var settings = data.Where(pair => pair.Key.StartsWith("GraphGrpc__", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(settings);
        Assert.All(settings, pair => Assert.Contains(pair.Key, known));
        var cpuLimit = int.Parse((string)Container(resources)["resources"]!["limits"]!["cpu"]!, CultureInfo.InvariantCulture);
        Assert.Equal(4 * cpuLimit, Bind(data).MaxConcurrentEvaluations);

        await using var app = GraphGrpcServer.Build([
            "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            .. settings.Select(pair => $"--{pair.Key.Replace("__", ":", StringComparison.Ordinal)}={pair.Value}"),
        ]);
        await app.StartAsync();
        var client = Client.GraphEvaluatorClient.ForAddress(app.Urls.First());
        using (client)
        {
            var response = await client.EvaluateUnaryAsync(new Contracts.V1.EvaluateRequest { Graph = Graphs.Example("seed003-squared-error.json") });
            Assert.Equal(4.0, response.Values.Single(v => v.NodeId == "L").Value.Values.Single());
        }
        await app.StopAsync();
    }

    [Fact]
    public async Task Deployment_Pod_RunsNonRootReadOnlyWithoutEscalationAndWritableTmp()
    {
        var resources = await Manifests.RenderKustomizationAsync();
        var pod = Manifests.Single(resources, "Deployment")["spec"]!["template"]!["spec"]!;
        var security = Container(resources)["securityContext"]!;

        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        Assert.NotEqual(0, (int)pod["securityContext"]!["runAsUser"]!);
        Assert.False((bool)security["allowPrivilegeEscalation"]!);
        Assert.True((bool)security["readOnlyRootFilesystem"]!);
        Assert.False((bool)security["privileged"]!);
        Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c));
        Assert.Equal("/tmp", (string?)Container(resources)["volumeMounts"]!.AsArray().Single()!["mountPath"]);
        Assert.NotNull(Container(resources)["resources"]!["requests"]);
        Assert.Equal("USER", Dockerfile.Instructions.Single(i => i.Arguments == "$APP_UID").Instruction);
    }

    [Fact]
    public async Task Autoscaling_TargetsTheDeploymentAndTheBudgetSelectsItsPods()
    {
        var resources = await Manifests.RenderKustomizationAsync();
        var deployment = Manifests.Single(resources, "Deployment");
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.ToJsonString();

        var hpa = Manifests.Single(resources, "HorizontalPodAutoscaler")["spec"]!;
        var pdb = Manifests.Single(resources, "PodDisruptionBudget")["spec"]!;

        Assert.Equal(("Deployment", "graphgrpc"), ((string?)hpa["scaleTargetRef"]!["kind"], (string?)hpa["scaleTargetRef"]!["name"]));
        Assert.True((int)hpa["minReplicas"]! >= 2 && (int)hpa["minReplicas"]! <= (int)hpa["maxReplicas"]!);
        Assert.Equal(podLabels, pdb["selector"]!["matchLabels"]!.ToJsonString());
        Assert.Equal(podLabels, deployment["spec"]!["selector"]!["matchLabels"]!.ToJsonString());
        Assert.All(resources.Where(r => (string?)r!["kind"] == "Service"), s => Assert.Equal(podLabels, s!["spec"]!["selector"]!.ToJsonString()));
        Assert.Equal("None", (string?)Manifests.Single(resources, "Service", "graphgrpc-headless")["spec"]!["clusterIP"]);
    }

    [Fact]
    public async Task Compose_File_ParsesAndWiresServerToCollectorToJaeger()
    {
        var compose = (await Manifests.ParseAsync("deploy/compose.yaml")).Single()!;
        var collector = (await Manifests.ParseAsync("deploy/otel-collector.yaml")).Single()!;
        var services = compose["services"]!;
        var server = services["graphgrpc"]!;

        Assert.Equal(["graphgrpc", "jaeger", "otel-collector"], services.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal(Dockerfile.RelativePath, (string?)server["build"]!["dockerfile"]);
        Assert.True(File.Exists(Manifests.PathOf(Path.Combine("deploy", (string)server["build"]!["context"]!, Dockerfile.RelativePath))));
        Assert.Equal($"127.0.0.1:{GrpcPort}:{GrpcPort}", (string?)server["ports"]!.AsArray().Single());
        Assert.Equal(GrpcPort, Manifests.PortOf((string)server["environment"]!["ASPNETCORE_URLS"]!));
        Assert.True((bool)server["read_only"]!);
        Assert.Equal("http://otel-collector:4317", (string?)server["environment"]!["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("0.0.0.0:4317", (string?)collector["receivers"]!["otlp"]!["protocols"]!["grpc"]!["endpoint"]);
        Assert.Equal("./otel-collector.yaml:/etc/otelcol/config.yaml:ro", (string?)services["otel-collector"]!["volumes"]!.AsArray().Single());
        Assert.Equal("jaeger:4317", (string?)collector["exporters"]!["otlp/jaeger"]!["endpoint"]);
        Assert.Equal(["otlp/jaeger"], collector["service"]!["pipelines"]!["traces"]!["exporters"]!.AsArray().Select(e => (string?)e));
        var drain = TimeSpan.Parse((string)server["environment"]!["GraphGrpc__DrainTime"]!, CultureInfo.InvariantCulture);
        Assert.Equal(drain + TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(int.Parse(((string)server["stop_grace_period"]!).TrimEnd('s'), CultureInfo.InvariantCulture)));
    }

    private static JsonNode Container(JsonArray resources) =>
        Manifests.Single(resources, "Deployment")["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single()!;

    /// <summary>The server's options from environment-style settings, bound as the server binds them.</summary>
    private static EvaluatorOptions Bind(JsonObject data) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(data.Select(pair => KeyValuePair.Create(pair.Key.Replace("__", ":", StringComparison.Ordinal), (string?)pair.Value)))
            .Build().GetSection(EvaluatorOptions.Section).Get<EvaluatorOptions>()!;
}
