using GraphGrpc.Contracts.V1;
using GraphGrpc.Engine.Explanation;
using Google.Protobuf;

namespace GraphGrpc.Engine.Tests.Explanation;

/// <summary>The wire form of an explanation carries the same numbers, and path counts past 2⁶⁴ as decimal digits.</summary>
public sealed class ExplanationProtosTests
{
    [Fact]
    public void ToProto_Seed000_CarriesPathsBlocksAndEdges()
    {
        var explanation = Explaining.Explain(Explaining.Example("seed000-gradient-flow.json"), new ExplanationRequest { Output = "g", Wrt = "b" });

        var wire = ExplanationProtos.ToProto(explanation);

        Assert.Equal(("g", "b", "2"), (wire.Output, wire.Wrt, wire.PathCount));
        Assert.Equal(1494, wire.Total.Values.Single(), 1e-12);
        Assert.Equal(["g", "3f", "f", "e", "d^2", "d", "5b", "b"], wire.Paths[0].NodeIds);
        Assert.Equal([0, 1, 1, 1, 0, 0, 1], wire.Paths[0].Operands);
        Assert.Equal(1410, wire.Paths[0].Contribution.Values.Single(), 1e-12);
        Assert.Equal(["g", "3f", "f", "e", "b"], wire.ThroughNodeIds);
        Assert.Equal(("e", "b", "2"), (wire.Blocks.Single().ForkId, wire.Blocks.Single().JoinId, wire.Blocks.Single().PathCount));
        Assert.Equal(explanation.Edges.Count, wire.Edges.Count);
        Assert.True(wire.RankingExact);
        // It reads back from its own JSON, as a client in another language would get it.
        Assert.Equal(wire, JsonParser.Default.Parse<ExplainResponse>(JsonFormatter.Default.Format(wire)));
    }

    [Fact]
    public void ToProto_PathCountBeyond2To64_IsItsDecimalDigits()
    {
        var builder = new GraphBuilder();
        builder.Input("x0", 1);
        for (var i = 0; i < 70; i++)
        {
            builder.Op($"x{i + 1}", n => n.Mul = new(), $"x{i}", $"x{i}");
        }

        var wire = ExplanationProtos.ToProto(Explaining.Explain(builder.Graph, new ExplanationRequest { Output = "x70", Wrt = "x0" }));

        Assert.Equal("1180591620717411303424", wire.PathCount);
        Assert.All(wire.Blocks, block => Assert.Equal("2", block.PathCount));
    }
}
