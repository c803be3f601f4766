using GraphGrpc.Transport.Internal;

namespace GraphGrpc.Transport.Tests;

/// <summary>The small protocol codecs on their own: timeouts, status messages, binary metadata.</summary>
public sealed class ProtocolPiecesTests
{
    [Theory]
    [InlineData("2H", 2 * TimeSpan.TicksPerHour)]
    [InlineData("3M", 3 * TimeSpan.TicksPerMinute)]
    [InlineData("4S", 4 * TimeSpan.TicksPerSecond)]
    [InlineData("5m", 5 * TimeSpan.TicksPerMillisecond)]
    [InlineData("6u", 60)]
    [InlineData("700n", 7)]
    [InlineData("1n", 1)]
    [InlineData("99999999S", 99_999_999 * TimeSpan.TicksPerSecond)]
    public void TryParse_EveryUnit_GivesTheTimeout(string header, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("123456789S")]
    [InlineData("1.5S")]
    public void TryParse_MalformedValue_Fails(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Theory]
    [InlineData(1)]
    [InlineData(1234)]
    [InlineData(TimeSpan.TicksPerSecond * 90)]
    [InlineData(TimeSpan.TicksPerDay * 400)]
    public void Format_AnyTimeout_RoundTripsWithinOneUnitAndNeverShorter(long ticks)
    {
        var header = GrpcTimeout.Format(TimeSpan.FromTicks(ticks));

        Assert.True(header.Length <= 9, header);
        Assert.True(GrpcTimeout.TryParse(header, out var parsed));
        Assert.True(parsed.Ticks >= ticks, $"{header} is shorter than {ticks} ticks");
        Assert.True(parsed.Ticks - ticks <= Math.Max(ticks / 1000, 100), $"{header} is too far from {ticks} ticks");
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("smile ☺", "smile %E2%98%BA")]
    [InlineData("devil 😈", "devil %F0%9F%98%88")]
    public void Encode_StatusMessage_PercentEncodesOutsidePrintableAscii(string message, string encoded)
    {
        Assert.Equal(encoded, StatusMessageEncoding.Encode(message));
        Assert.Equal(message, StatusMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz ok", "%zz ok")]
    [InlineData("%E2%98", "\uFFFD")]
    public void Decode_MalformedEscapes_KeepsWhatItCannotDecode(string header, string expected) =>
        Assert.Equal(expected, StatusMessageEncoding.Decode(header));

    [Theory]
    [InlineData("AAEC", new byte[] { 0, 1, 2 })]
    [InlineData("AAE=", new byte[] { 0, 1 })]
    [InlineData("AAE", new byte[] { 0, 1 })]
    [InlineData("AA", new byte[] { 0 })]
    public void DecodeBinary_PaddedOrUnpadded_GivesTheBytes(string value, byte[] bytes) =>
        Assert.Equal(bytes, MetadataWire.DecodeBinary("k-bin", value));

    [Fact]
    public void DecodeBinary_NotBase64_ThrowsInternalNamingTheKey()
    {
        var exception = Assert.Throws<RpcException>(() => MetadataWire.DecodeBinary("trace-bin", "***"));

        Assert.Equal(StatusCode.Internal, exception.StatusCode);
        Assert.Contains("trace-bin", exception.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeBinary_AnyBytes_EmitsUnpaddedBase64() =>
        Assert.Equal("AAE", MetadataWire.EncodeBinary([0, 1]));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_ContentType_RecognisesOnlyGrpc(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
}
