using Google.Protobuf;
using GraphGrpc.Transport.Client;
using Grpc.Health.V1;
using Grpc.Testing;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GraphGrpc.Transport.Tests.Interop;

/// <summary>The interop cases on this project's own client, written like the foreign ones.</summary>
public sealed class DotNetInteropClient(GrpcChannel channel)
{
    private const string SpecialMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n";
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor TestService = TestReflection.Descriptor.Services.Single(s => s.Name == "TestService");
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Unimplemented = TestReflection.Descriptor.Services.Single(s => s.Name == "UnimplementedService");
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Health = HealthReflection.Descriptor.Services[0];

    private static readonly Method<Empty, Empty> EmptyCall = Method<Empty, Empty>.From(TestService.FindMethodByName("EmptyCall"));
    private static readonly Method<SimpleRequest, SimpleResponse> UnaryCall = Method<SimpleRequest, SimpleResponse>.From(TestService.FindMethodByName("UnaryCall"));
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall =
        Method<StreamingOutputCallRequest, StreamingOutputCallResponse>.From(TestService.FindMethodByName("StreamingOutputCall"));
    private static readonly Method<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall =
        Method<StreamingInputCallRequest, StreamingInputCallResponse>.From(TestService.FindMethodByName("StreamingInputCall"));
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall =
        Method<StreamingOutputCallRequest, StreamingOutputCallResponse>.From(TestService.FindMethodByName("FullDuplexCall"));
    private static readonly Method<Empty, Empty> UnimplementedCall = Method<Empty, Empty>.From(TestService.FindMethodByName("UnimplementedCall"));
    private static readonly Method<Empty, Empty> UnimplementedServiceCall = Method<Empty, Empty>.From(Unimplemented.FindMethodByName("UnimplementedCall"));
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = Method<HealthCheckRequest, HealthCheckResponse>.From(Health.FindMethodByName("Check"));
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch = Method<HealthCheckRequest, HealthCheckResponse>.From(Health.FindMethodByName("Watch"));

    private static readonly CallOptions Gzip = new() { RequestCompression = "gzip" };

    public Task RunAsync(string testCase) => testCase switch
    {
        "empty_unary" => EmptyUnaryAsync(),
        "large_unary" => LargeUnaryAsync(),
        "client_streaming" => ClientStreamingAsync(),
        "server_streaming" => ServerStreamingAsync(),
        "ping_pong" => PingPongAsync(),
        "empty_stream" => EmptyStreamAsync(),
        "timeout_on_sleeping_server" => TimeoutOnSleepingServerAsync(),
        "cancel_after_begin" => CancelAfterBeginAsync(),
        "cancel_after_first_response" => CancelAfterFirstResponseAsync(),
        "status_code_and_message" => StatusCodeAndMessageAsync("test status message"),
        "special_status_message" => StatusCodeAndMessageAsync(SpecialMessage),
        "custom_metadata" => CustomMetadataAsync(),
        "unimplemented_method" => ExpectStatusAsync(StatusCode.Unimplemented, () => channel.AsyncUnaryCall(UnimplementedCall, new Empty()).ResponseAsync),
        "unimplemented_service" => ExpectStatusAsync(StatusCode.Unimplemented, () => channel.AsyncUnaryCall(UnimplementedServiceCall, new Empty()).ResponseAsync),
        "client_compressed_unary" => ClientCompressedUnaryAsync(),
        "client_compressed_streaming" => ClientCompressedStreamingAsync(),
        "server_compressed_unary" => ServerCompressedUnaryAsync(),
        "server_compressed_streaming" => ServerCompressedStreamingAsync(),
        "health_check" => HealthCheckAsync(),
        "health_watch" => HealthWatchAsync(),
        _ => throw new ArgumentException($"Unknown interop case '{testCase}'.", nameof(testCase)),
    };

    private static Payload Zeros(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private static SimpleRequest LargeRequest() => new() { ResponseSize = 314159, Payload = Zeros(271828) };

    private static void AssertLarge(SimpleResponse response)
    {
        Assert.Equal(314159, response.Payload.Body.Length);
        Assert.All(response.Payload.Body.ToByteArray(), b => Assert.Equal(0, b));
    }

    private static StreamingOutputCallRequest StreamingRequest(int[] sizes, int? payloadSize = null)
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(sizes.Select(size => new ResponseParameters { Size = size }));
        if (payloadSize is { } size)
        {
            request.Payload = Zeros(size);
        }
        return request;
    }

    private static async Task<RpcException> ExpectStatusAsync(StatusCode code, Func<Task> call, string? detail = null)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, exception.StatusCode);
        if (detail is not null)
        {
            Assert.Equal(detail, exception.Status.Detail);
        }
        return exception;
    }

    private static async Task<List<int>> ReadSizesAsync(IAsyncStreamReader<StreamingOutputCallResponse> stream)
    {
        var sizes = new List<int>();
        await foreach (var response in stream.ReadAllAsync())
        {
            sizes.Add(response.Payload.Body.Length);
        }
        return sizes;
    }

    private async Task EmptyUnaryAsync() => Assert.Equal(new Empty(), await channel.AsyncUnaryCall(EmptyCall, new Empty()));

    private async Task LargeUnaryAsync() => AssertLarge(await channel.AsyncUnaryCall(UnaryCall, LargeRequest()));

    private async Task ClientCompressedUnaryAsync()
    {
        var expectCompressed = LargeRequest();
        expectCompressed.ExpectCompressed = new BoolValue { Value = true };
        await ExpectStatusAsync(StatusCode.InvalidArgument, () => channel.AsyncUnaryCall(UnaryCall, expectCompressed).ResponseAsync);
        AssertLarge(await channel.AsyncUnaryCall(UnaryCall, expectCompressed, Gzip));
        var expectPlain = LargeRequest();
        expectPlain.ExpectCompressed = new BoolValue { Value = false };
        AssertLarge(await channel.AsyncUnaryCall(UnaryCall, expectPlain));
    }

    private async Task ServerCompressedUnaryAsync()
    {
        foreach (var compressed in new[] { true, false })
        {
            var request = LargeRequest();
            request.ResponseCompressed = new BoolValue { Value = compressed };
            AssertLarge(await channel.AsyncUnaryCall(UnaryCall, request));
        }
    }

    private async Task ClientStreamingAsync()
    {
        using var call = channel.AsyncClientStreamingCall(StreamingInputCall);
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(size) });
        }
        await call.RequestStream.CompleteAsync();
        Assert.Equal(74922, (await call).AggregatedPayloadSize);
    }

    private async Task ClientCompressedStreamingAsync()
    {
        var probe = new StreamingInputCallRequest { Payload = Zeros(27182), ExpectCompressed = new BoolValue { Value = true } };
        using (var probeCall = channel.AsyncClientStreamingCall(StreamingInputCall))
        {
            await probeCall.RequestStream.WriteAsync(probe);
            await probeCall.RequestStream.CompleteAsync();
            await ExpectStatusAsync(StatusCode.InvalidArgument, () => probeCall.ResponseAsync);
        }
        using var call = channel.AsyncClientStreamingCall(StreamingInputCall, Gzip);
        await call.RequestStream.WriteAsync(probe);
        // This client can turn compression off per message, as the case asks.
        call.RequestStream.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(45904), ExpectCompressed = new BoolValue { Value = false } });
        await call.RequestStream.CompleteAsync();
        Assert.Equal(73086, (await call).AggregatedPayloadSize);
    }

    private async Task ServerStreamingAsync()
    {
        using var call = channel.AsyncServerStreamingCall(StreamingOutputCall, StreamingRequest([31415, 9, 2653, 58979]));
        Assert.Equal([31415, 9, 2653, 58979], await ReadSizesAsync(call.ResponseStream));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private async Task ServerCompressedStreamingAsync()
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415, Compressed = new BoolValue { Value = true } });
        request.ResponseParameters.Add(new ResponseParameters { Size = 92653, Compressed = new BoolValue { Value = false } });
        using var call = channel.AsyncServerStreamingCall(StreamingOutputCall, request);
        Assert.Equal([31415, 92653], await ReadSizesAsync(call.ResponseStream));
    }

    private async Task PingPongAsync()
    {
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall);
        foreach (var (responseSize, payloadSize) in new[] { (31415, 27182), (9, 8), (2653, 1828), (58979, 45904) })
        {
            await call.RequestStream.WriteAsync(StreamingRequest([responseSize], payloadSize));
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(responseSize, call.ResponseStream.Current.Payload.Body.Length);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private async Task EmptyStreamAsync()
    {
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private async Task TimeoutOnSleepingServerAsync()
    {
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall, new CallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(1) });
        try
        {
            await call.RequestStream.WriteAsync(StreamingRequest([], 27182));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            // The deadline may pass before the write: the case still holds.
        }
        await ExpectStatusAsync(StatusCode.DeadlineExceeded, () => call.ResponseStream.MoveNext(CancellationToken.None));
    }

    private async Task CancelAfterBeginAsync()
    {
        using var cts = new CancellationTokenSource();
        using var call = channel.AsyncClientStreamingCall(StreamingInputCall, new CallOptions { CancellationToken = cts.Token });
        await cts.CancelAsync();
        await ExpectStatusAsync(StatusCode.Cancelled, () => call.ResponseAsync);
    }

    private async Task CancelAfterFirstResponseAsync()
    {
        using var cts = new CancellationTokenSource();
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall, new CallOptions { CancellationToken = cts.Token });
        await call.RequestStream.WriteAsync(StreamingRequest([31415], 27182));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(31415, call.ResponseStream.Current.Payload.Body.Length);
        await cts.CancelAsync();
        await ExpectStatusAsync(StatusCode.Cancelled, () => call.ResponseStream.MoveNext(CancellationToken.None));
    }

    private async Task StatusCodeAndMessageAsync(string message)
    {
        var status = new EchoStatus { Code = 2, Message = message };
        await ExpectStatusAsync(StatusCode.Unknown, () => channel.AsyncUnaryCall(UnaryCall, new SimpleRequest { ResponseStatus = status }).ResponseAsync, message);
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall);
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = status });
        await call.RequestStream.CompleteAsync();
        await ExpectStatusAsync(StatusCode.Unknown, () => call.ResponseStream.MoveNext(CancellationToken.None), message);
    }

    private async Task CustomMetadataAsync()
    {
        var metadata = new Metadata
        {
            { "x-grpc-test-echo-initial", "test_initial_metadata_value" },
            { "x-grpc-test-echo-trailing-bin", new byte[] { 0xab, 0xab, 0xab } },
        };
        var options = new CallOptions { Headers = metadata };
        using (var unary = channel.AsyncUnaryCall(UnaryCall, LargeRequest(), options))
        {
            AssertLarge(await unary);
            Assert.Equal("test_initial_metadata_value", (await unary.ResponseHeadersAsync).GetValue("x-grpc-test-echo-initial"));
            Assert.Equal(new byte[] { 0xab, 0xab, 0xab }, unary.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));
        }
        using var duplex = channel.AsyncDuplexStreamingCall(FullDuplexCall, options);
        await duplex.RequestStream.WriteAsync(StreamingRequest([314159], 271828));
        await duplex.RequestStream.CompleteAsync();
        Assert.Equal([314159], await ReadSizesAsync(duplex.ResponseStream));
        Assert.Equal("test_initial_metadata_value", (await duplex.ResponseHeadersAsync).GetValue("x-grpc-test-echo-initial"));
        Assert.Equal(new byte[] { 0xab, 0xab, 0xab }, duplex.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));
    }

    private async Task HealthCheckAsync()
    {
        Assert.Equal(ServingStatus.Serving, (await channel.AsyncUnaryCall(Check, new HealthCheckRequest())).Status);
        Assert.Equal(ServingStatus.Serving, (await channel.AsyncUnaryCall(Check, new HealthCheckRequest { Service = "grpc.testing.TestService" })).Status);
        await ExpectStatusAsync(StatusCode.NotFound, () => channel.AsyncUnaryCall(Check, new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);
    }

    private async Task HealthWatchAsync()
    {
        foreach (var (service, expected) in new[] { ("grpc.testing.TestService", ServingStatus.Serving), ("no.such.Service", ServingStatus.ServiceUnknown) })
        {
            using var call = channel.AsyncServerStreamingCall(Watch, new HealthCheckRequest { Service = service });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(expected, call.ResponseStream.Current.Status);
        }
    }
}
