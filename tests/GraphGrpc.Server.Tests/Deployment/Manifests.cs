using System.Text.Json.Nodes;

namespace GraphGrpc.Server.Tests.Deployment;

/// <summary>The deployment files as data: YAML through Debian's python3-yaml into JSON, Kubernetes through kubectl kustomize.</summary>
internal static class Manifests
{
    private static readonly string YamlToJson = Path.Combine(Programs.RepositoryRoot, "tests/deploy/yaml_to_json.py");

    public static string PathOf(string relative) => Path.Combine(Programs.RepositoryRoot, relative);

    /// <summary>Every YAML document in the files, parsed.</summary>
    public static async Task<JsonArray> ParseAsync(params string[] relativePaths) =>
        JsonNode.Parse(await Programs.RunToSuccessAsync("/usr/bin/python3", [YamlToJson, .. relativePaths.Select(PathOf)]))!.AsArray();

    /// <summary>What <c>kubectl kustomize deploy/k8s</c> renders, parsed.</summary>
    public static async Task<JsonArray> RenderKustomizationAsync()
    {
        var kubectl = FindOnPath("kubectl")
            ?? throw new InvalidOperationException("kubectl is not on PATH: install it (Debian's package is kubernetes-client) to render deploy/k8s.");
        var rendered = await Programs.RunToSuccessAsync(kubectl, ["kustomize", PathOf("deploy/k8s")]);
        return JsonNode.Parse(await Programs.RunToSuccessAsync("/usr/bin/python3", [YamlToJson, "-"], input: rendered))!.AsArray();
    }

    public static JsonNode Single(JsonArray resources, string kind, string? name = null) =>
        resources.Single(r => (string?)r!["kind"] == kind && (name is null || (string?)r["metadata"]!["name"] == name))!;

    /// <summary>The port of an address such as http://0.0.0.0:50051.</summary>
    public static int PortOf(string url) => new Uri(url.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
