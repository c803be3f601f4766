using System.Globalization;
using GraphGrpc.Transport.Client;
using GraphGrpc.Transport.Tests.TestServer;

namespace GraphGrpc.Transport.Tests.Interop;

public sealed class DotNetInteropTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>
{
    [Theory]
    [MemberData(nameof(InteropTheory.Cases), MemberType = typeof(InteropTheory))]
    public async Task DotNetClient_InteropCase_Passes(string testCase)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}");
        await new DotNetInteropClient(channel).RunAsync(testCase);
    }
}
