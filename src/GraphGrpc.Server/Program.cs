using GraphGrpc.Server;
using GraphGrpc.Server.Telemetry;

var app = GraphGrpcServer.Build(args);
using var export = OpenTelemetryExport.StartIfConfigured(app.Configuration);
await app.RunAsync();
