using GraphGrpc.Server;

await GraphGrpcServer.Build(args).RunAsync();
