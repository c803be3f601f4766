using GraphGrpc.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Serves grpc.health.v1.Health on the address given by --urls, and nothing else.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddGrpcTransport();
builder.Services.AddGrpcHealth();
var app = builder.Build();
app.MapGrpcHealthService();
app.Run();
