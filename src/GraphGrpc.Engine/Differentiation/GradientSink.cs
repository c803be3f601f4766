namespace GraphGrpc.Engine.Differentiation;

/// <summary>A sink of a gradient graph: node <paramref name="SinkId"/> computes the gradient of <paramref name="Output"/> with respect to <paramref name="Wrt"/>.</summary>
public sealed record GradientSink(string SinkId, string Output, string Wrt);

/// <summary>An input leaf a gradient graph adds for an output's seed when seeds are inputs: <paramref name="SeedId"/> seeds <paramref name="Output"/>.</summary>
public sealed record SeedInput(string SeedId, string Output);
