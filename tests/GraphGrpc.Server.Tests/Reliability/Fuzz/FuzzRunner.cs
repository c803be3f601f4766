using System.Diagnostics;
using System.IO.Compression;
using Google.Protobuf;
using Grpc.Health.V1;
using GraphGrpc.Client;
using GraphGrpc.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GraphGrpc.Fuzz;

public sealed class FuzzOptions
{
    public int Cases { get; init; } = 1000;

    public int Seed { get; init; } = 1;

    /// <summary>The deadline each call carries; a call with no answer by this plus <see cref="HangGrace"/> is a hang.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan HangGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A health check and a small evaluation after this many cases (and after every failure).</summary>
    public int ProbeEvery { get; init; } = 25;

    /// <summary>One case in this many is a big one (a deep chain, a huge repeated field, a wide fan); 0 for none.</summary>
    public int BigEvery { get; init; } = 500;

    /// <summary>The depth of the deep-chain cases.</summary>
    public int ChainDepth { get; init; } = 1_000_000;

    /// <summary>Whether the server still runs; a separate process is observable, an in-process one is taken as alive.</summary>
    public Func<bool> ServerAlive { get; init; } = () => true;

    public TextWriter? Progress { get; init; }

    /// <summary>
    /// Whether graphs carry enum values the proto does not define (proto3 keeps them). Off only to
    /// step around a known engine bug: see RegressionTests.EvaluateUnary_UndefinedLossReduction_InvalidArgumentNamingTheNode.
    /// </summary>
    public bool UndefinedEnums { get; init; } = true;

    /// <summary>Where to write each failing case's input (protobuf JSON, or base64 of a raw body), to replay it; null for nowhere.</summary>
    public string? SaveFailuresTo { get; init; }
}

/// <summary>
/// Sends each RPC random bytes, mutated valid messages and random graphs, one case at a time, and
/// checks every answer: a well-formed gRPC status from the case's allowed set within the deadline,
/// and, for an OK evaluation, the same values as the engine computes locally. The server is probed
/// regularly to show it keeps answering. Everything is drawn from one seeded Random, so a run repeats.
/// </summary>
public sealed class FuzzRunner : IDisposable
{
    private const string Service = "/graphgrpc.v1.GraphEvaluator/";

    private static readonly string[] Rpcs = ["Validate", "Evaluate", "EvaluateUnary", "EvaluateBatch"];

    // UNKNOWN is grpc-dotnet's answer to a frame whose compressed flag is neither 0 nor 1, read
    // before any code of ours runs; its detail names the reason.
    private static readonly HashSet<StatusCode> RawAllowed =
    [
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.ResourceExhausted, StatusCode.Internal,
        StatusCode.NotFound, StatusCode.Unimplemented, StatusCode.DeadlineExceeded, StatusCode.Unknown,
    ];

    // A well-formed message is never INTERNAL: that would be the server failing, not the input.
    private static readonly HashSet<StatusCode> TypedAllowed =
        [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.ResourceExhausted, StatusCode.NotFound, StatusCode.DeadlineExceeded];

    private readonly FuzzOptions _options;
    private readonly Random _random;
    private readonly GraphGenerator _graphs;
    private readonly RawGrpc _raw;
    private readonly GraphEvaluatorClient _client;
    private readonly FuzzReport _report = new();
    private readonly LocalOracle _oracle = new();
    private string _input = "";

    public FuzzRunner(string address, FuzzOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        _graphs = new GraphGenerator(_random, options.UndefinedEnums);
        _raw = new RawGrpc(new Uri(address));
        _client = GraphEvaluatorClient.ForAddress(address, new GraphEvaluatorClientOptions { MaxMessageSize = null });
    }

    public async Task<FuzzReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < _options.Cases && !cancellationToken.IsCancellationRequested; i++)
        {
            var before = _report.Failures.Count + _report.Hangs;
            await RunCaseAsync(i, cancellationToken);
            _report.Cases++;
            if (!_options.ServerAlive())
            {
                _report.Crashes++;
                _report.Failures.Add($"case {i}: the server process exited");
                break;
            }
            if ((i + 1) % _options.ProbeEvery == 0 || _report.Failures.Count + _report.Hangs > before)
            {
                if (!await ProbeAsync(i))
                {
                    break;
                }
            }
            if ((i + 1) % 1000 == 0)
            {
                _options.Progress?.WriteLine($"{i + 1} cases, {clock.Elapsed.TotalSeconds:F0} s, failures {_report.Failures.Count}, hangs {_report.Hangs}");
            }
        }
        await ProbeAsync(_options.Cases);
        _report.Elapsed = clock.Elapsed;
        return _report;
    }

    public void Dispose()
    {
        _raw.Dispose();
        _client.Dispose();
    }

    private async Task RunCaseAsync(int index, CancellationToken cancellationToken)
    {
        var failures = _report.Failures.Count;
        await RunOneAsync(index, cancellationToken);
        if (_report.Failures.Count > failures && _options.SaveFailuresTo is { } directory)
        {
            Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(Path.Combine(directory, $"case-{index}.txt"), _report.Failures[^1] + Environment.NewLine + _input, cancellationToken);
        }
    }

    private async Task RunOneAsync(int index, CancellationToken cancellationToken)
    {
        var big = _options.BigEvery > 0 && _random.Next(_options.BigEvery) == 0;
        var pick = _random.Next(100);
        var (kind, run) = big ? BigCase() : pick switch
        {
            < 12 => ("random-bytes", RawCase(RandomBytes(_random.Next(4) == 0 ? 65536 : 512))),
            < 20 => ("framed-garbage", RawCase(RawGrpc.Frame(RandomBytes(1024)))),
            < 33 => ("bit-flips", Mutated(FlipBits)),
            < 41 => ("truncated", Mutated(Truncate)),
            < 48 => ("length-lie", Mutated(LengthLie)),
            < 52 => CompressionCase(),
            < 54 => ("odd-path", OddPathCase()),
            _ => ("graph", GraphCase()),
        };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = (big ? TimeSpan.FromSeconds(60) : _options.Deadline) + _options.HangGrace;
        limit.CancelAfter(timeout);
        var task = run(limit.Token);
        try
        {
            var status = await task.WaitAsync(timeout + TimeSpan.FromSeconds(5), cancellationToken);
            _report.Count(kind, status);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            _report.Count(kind, "HANG");
            _report.Hangs++;
            _report.Failures.Add($"case {index} ({kind}): no answer within {timeout.TotalSeconds} s");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or RpcException)
        {
            _report.Count(kind, "NO_STATUS");
            _report.Failures.Add($"case {index} ({kind}): the call failed without a gRPC status: {e.GetType().Name}: {e.Message}");
        }
        catch (FuzzFailure e)
        {
            _report.Count(kind, e.Status);
            _report.Failures.Add($"case {index} ({kind}): {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _report.Count(kind, "DRIVER_ERROR");
            _report.Failures.Add($"case {index} ({kind}): the driver failed checking the reply: {e}");
        }
    }

    /// <summary>A health check and a tiny evaluation, each with a short deadline, must both succeed.</summary>
    private async Task<bool> ProbeAsync(int index)
    {
        _report.Probes++;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (!_options.ServerAlive())
            {
                _report.Crashes++;
                _report.Failures.Add($"after case {index}: the server process exited");
                return false;
            }
            try
            {
                var deadline = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10));
                var health = await new Health.HealthClient(_client.CallInvoker).CheckAsync(new HealthCheckRequest(), deadline);
                var serving = health.Status == HealthCheckResponse.Types.ServingStatus.Serving;
                var reply = await _client.EvaluateUnaryAsync(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(3) }, deadline);
                if (serving && reply.Summary.Outputs.Count == 1)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is RpcException or HttpRequestException or IOException)
            {
                _options.Progress?.WriteLine($"probe after case {index} failed: {e.Message}");
            }
        }
        _report.Hangs++;
        _report.Failures.Add($"after case {index}: the server stopped answering health checks and small evaluations");
        return false;
    }

    private (string, Func<CancellationToken, Task<string>>) BigCase() => _random.Next(7) switch
    {
        0 => ("deep-chain", Typed(new EvaluateRequest
        {
            Graph = GraphGenerator.DeepChain(_options.ChainDepth),
            Values = new NodeSelection { Mode = NodeSelection.Types.Mode.Leaves },
            Gradients = new NodeSelection { Mode = NodeSelection.Types.Mode.Leaves },
        }, "EvaluateUnary", TimeSpan.FromSeconds(60))),
        1 => ("fan-out-fan-in", Typed(new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(50_000) }, "Evaluate", TimeSpan.FromSeconds(60))),
        2 => ("wide-node", Typed(new EvaluateRequest { Graph = GraphGenerator.WideNode(1_000_000) }, "Validate", TimeSpan.FromSeconds(60))),
        3 => ("huge-shape-list", Typed(new EvaluateRequest { Graph = new Graph { Nodes = { HugeShapeLeaf() } } }, "EvaluateUnary", TimeSpan.FromSeconds(60))),
        4 => ("huge-values", Typed(HugeValues(), "Evaluate", TimeSpan.FromSeconds(60))),
        5 => ("huge-id-list", Typed(HugeOutputs(), "EvaluateUnary", TimeSpan.FromSeconds(60))),
        _ => ("gzip-bomb", RawCase(GzipBomb(), "gzip")),
    };

    private (string, Func<CancellationToken, Task<string>>) CompressionCase() => _random.Next(3) switch
    {
        0 => ("compressed-no-encoding", Mutated(SetFlag)),
        1 => ("gzip-garbage", RawCase(RawGrpc.Frame(RandomBytes(256), flag: 1), "gzip")),
        _ => ("gzip-valid", Mutated(Gzip, "gzip")),
    };

    private Func<CancellationToken, Task<string>> OddPathCase()
    {
        var path = _random.Next(3) switch
        {
            0 => Service + "NoSuchMethod",
            1 => "/grpc.health.v1.Health/Check",
            _ => "/no.such.Service/" + Rpcs[_random.Next(Rpcs.Length)],
        };
        var body = _random.Next(2) == 0 ? RawGrpc.Frame([]) : RandomBytes(64);
        return async token =>
        {
            var reply = await _raw.CallAsync(path, body, _options.Deadline, null, token);
            return Classify(reply, RawAllowed, path.EndsWith("Check", StringComparison.Ordinal) ? HealthCheckResponse.Parser : null, unary: true);
        };
    }

    private Func<CancellationToken, Task<string>> Mutated(Func<byte[], byte[]> mutate, string? encoding = null)
    {
        var body = ValidBody(out var rpc);
        return RawCase(rpc, mutate(body), encoding);
    }

    private Func<CancellationToken, Task<string>> RawCase(byte[] body, string? encoding = null) => RawCase(Rpcs[_random.Next(Rpcs.Length)], body, encoding);

    private Func<CancellationToken, Task<string>> RawCase(string rpc, byte[] body, string? encoding)
    {
        _input = $"raw {rpc} grpc-encoding={encoding}{Environment.NewLine}{Convert.ToBase64String(body)}";
        return async token => await RawCallAsync(rpc, body, encoding, token);
    }

    private async Task<string> RawCallAsync(string rpc, byte[] body, string? encoding, CancellationToken token)
    {
        var reply = await _raw.CallAsync(Service + rpc, body, _options.Deadline, encoding, token);
        MessageParser parser = rpc switch
        {
            "Validate" => ValidateResponse.Parser,
            "Evaluate" => EvaluateEvent.Parser,
            "EvaluateUnary" => EvaluateUnaryResponse.Parser,
            _ => EvaluateBatchResponse.Parser,
        };
        return Classify(reply, RawAllowed, parser, unary: rpc is "Validate" or "EvaluateUnary");
    }

    private static string Classify(RawReply reply, HashSet<StatusCode> allowed, MessageParser? parser, bool unary)
    {
        if (!reply.WellFormed)
        {
            throw new FuzzFailure("MALFORMED", $"malformed reply: {reply.Problem}");
        }
        var status = (StatusCode)reply.Status!.Value;
        if (!allowed.Contains(status))
        {
            throw new FuzzFailure(Name(status), $"unexpected status {Name(status)}");
        }
        if (status == StatusCode.OK && parser is not null)
        {
            if (unary && reply.Messages.Count != 1)
            {
                throw new FuzzFailure("OK", $"a unary OK reply with {reply.Messages.Count} messages");
            }
            foreach (var message in reply.Messages)
            {
                try
                {
                    parser.ParseFrom(message);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new FuzzFailure("OK", $"an OK reply's message does not parse: {e.Message}");
                }
            }
        }
        return Name(status);
    }

    /// <summary>A random graph (broken half the time) through the typed client to a random RPC, its result checked.</summary>
    private Func<CancellationToken, Task<string>> GraphCase()
    {
        var rpc = Rpcs[_random.Next(Rpcs.Length)];
        if (rpc == "EvaluateBatch")
        {
            return BatchCase();
        }
        return Typed(RandomRequest(_random.Next(2) == 0), rpc, _options.Deadline);
    }

    private EvaluateRequest RandomRequest(bool breakIt)
    {
        var (graph, ids) = _graphs.Next(2 + _random.Next(30), breakIt);
        var request = new EvaluateRequest { Graph = graph, Trace = _random.Next(4) == 0, RawTensors = _random.Next(2) == 0 };
        if (_random.Next(4) == 0 && ids.Count > 0)
        {
            request.Outputs.Add(PickId(ids));
        }
        if (_random.Next(4) == 0 && ids.Count > 0)
        {
            request.Wrt.Add(PickId(ids));
        }
        if (_random.Next(8) == 0 && ids.Count > 0)
        {
            request.Seeds[PickId(ids)] = _graphs.RandomTensor(_graphs.RandomShape());
        }
        if (_random.Next(4) == 0)
        {
            request.Values = new NodeSelection { Mode = (NodeSelection.Types.Mode)_random.Next(6), NodeIds = { PickId(ids) } };
            request.Gradients = new NodeSelection { Mode = (NodeSelection.Types.Mode)_random.Next(6), NodeIds = { PickId(ids) } };
        }
        return request;
    }

    private string PickId(List<string> ids) => _random.Next(10) == 0 ? "ghost" : ids[_random.Next(ids.Count)];

    private Func<CancellationToken, Task<string>> Typed(EvaluateRequest request, string rpc, TimeSpan deadline)
    {
        _input = request.CalculateSize() < 1_000_000 ? $"{rpc} {request}" : $"{rpc}: a request of {request.CalculateSize()} bytes";
        return token => TypedCallAsync(request, rpc, deadline, token);
    }

    private async Task<string> TypedCallAsync(EvaluateRequest request, string rpc, TimeSpan deadline, CancellationToken token)
    {
        var options = new CallOptions(deadline: DateTime.UtcNow + deadline, cancellationToken: token);
        try
        {
            switch (rpc)
            {
                case "Validate":
                    var validate = new ValidateRequest { Graph = request.Graph, Outputs = { request.Outputs }, Wrt = { request.Wrt } };
                    _oracle.CheckValidate(validate, await _client.ValidateAsync(validate, options));
                    break;
                case "EvaluateUnary":
                    _oracle.CheckUnary(request, await _client.EvaluateUnaryAsync(request, options));
                    break;
                default:
                    using (var call = _client.Evaluate(request, options))
                    {
                        var events = new List<EvaluateEvent>();
                        await foreach (var e in call.ResponseStream.ReadAllAsync(token))
                        {
                            events.Add(e);
                        }
                        _oracle.CheckStream(request, events);
                    }
                    break;
            }
            return "OK";
        }
        catch (RpcException e) when (!token.IsCancellationRequested)
        {
            return Allowed(e, TypedAllowed);
        }
    }

    /// <summary>A batch stream over a random graph: some leaves vary per point; chunks are sometimes malformed.</summary>
    private Func<CancellationToken, Task<string>> BatchCase()
    {
        var (graph, ids) = _graphs.Next(2 + _random.Next(20), _random.Next(3) == 0);
        var variables = graph.Nodes.Where(n => n.Input is not null).ToList();
        var start = new BatchStart { Graph = graph, RawTensors = _random.Next(2) == 0, SharedGradients = (SharedGradients)_random.Next(3) };
        foreach (var leaf in variables.Where(_ => _random.Next(2) == 0))
        {
            start.BatchInputs.Add(leaf.Id);
        }
        if (_random.Next(6) == 0)
        {
            start.BatchInputs.Add(PickId(ids));
        }
        var chunks = new List<BatchChunk>();
        for (var c = _random.Next(4); c > 0; c--)
        {
            var chunk = new BatchChunk { Sequence = c };
            var points = _random.Next(1, 6);
            foreach (var id in start.BatchInputs.Distinct())
            {
                var declared = graph.Nodes.FirstOrDefault(n => n.Id == id)?.Input?.Value?.Shape.ToArray() ?? [];
                int[] shape = declared.All(d => d is >= 0 and <= 8) ? [.. declared.Select(d => (int)d)] : [];
                var column = _graphs.RandomTensor([points, .. shape]);
                if (_random.Next(8) == 0)
                {
                    column.Shape[0] += _random.Next(2) == 0 ? 1 : int.MaxValue;
                }
                if (_random.Next(2) == 0 || column.Shape.Count > 1 && _random.Next(2) == 0)
                {
                    column.Shape.Clear();
                }
                chunk.Columns[id] = column;
            }
            chunks.Add(chunk);
        }
        var misplacedStart = _random.Next(10) == 0;
        _input = $"EvaluateBatch{(misplacedStart ? " without its start" : "")} {start}{Environment.NewLine}{string.Join(Environment.NewLine, chunks)}";
        return async token =>
        {
            var options = new CallOptions(deadline: DateTime.UtcNow + _options.Deadline, cancellationToken: token);
            using var call = _client.EvaluateBatch(options);
            var reading = ReadAll(call.ResponseStream, token);
            try
            {
                if (!misplacedStart)
                {
                    await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Start = start }, token);
                }
                foreach (var chunk in chunks)
                {
                    await call.RequestStream.WriteAsync(new EvaluateBatchRequest { Chunk = chunk }, token);
                }
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or IOException or OperationCanceledException && !token.IsCancellationRequested)
            {
                // The server may end the call before it has read every request; its status is what counts.
            }
            try
            {
                var responses = await reading;
                _oracle.CheckBatch(start, misplacedStart ? [] : chunks, responses);
                return "OK";
            }
            catch (RpcException e) when (!token.IsCancellationRequested)
            {
                return Allowed(e, TypedAllowed);
            }
        };
    }

    private static async Task<List<T>> ReadAll<T>(IAsyncStreamReader<T> stream, CancellationToken token)
    {
        var all = new List<T>();
        await foreach (var item in stream.ReadAllAsync(token))
        {
            all.Add(item);
        }
        return all;
    }

    private static string Allowed(RpcException e, HashSet<StatusCode> allowed) =>
        allowed.Contains(e.StatusCode) ? Name(e.StatusCode) : throw new FuzzFailure(Name(e.StatusCode), $"unexpected status {Name(e.StatusCode)}: {e.Status.Detail}");

    /// <summary>A valid request body, framed, for the RPC chosen next; <paramref name="rpc"/> names it.</summary>
    private byte[] ValidBody(out string rpc)
    {
        var request = RandomRequest(breakIt: false);
        rpc = Rpcs[_random.Next(Rpcs.Length)];
        return rpc == "EvaluateBatch"
            ? [.. RawGrpc.Frame(new EvaluateBatchRequest { Start = new BatchStart { Graph = request.Graph } }.ToByteArray()),
               .. RawGrpc.Frame(new EvaluateBatchRequest { Chunk = new BatchChunk { Sequence = 1 } }.ToByteArray())]
            : RawGrpc.Frame(request.ToByteArray());
    }

    private byte[] RandomBytes(int maxLength)
    {
        var bytes = new byte[_random.Next(maxLength + 1)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private byte[] FlipBits(byte[] body)
    {
        for (var flips = 1 + _random.Next(8); flips > 0 && body.Length > 0; flips--)
        {
            // Mostly in the payload, where a flip turns one valid field into another.
            var at = body.Length > 5 && _random.Next(8) > 0 ? 5 + _random.Next(body.Length - 5) : _random.Next(body.Length);
            body[at] ^= (byte)(1 << _random.Next(8));
        }
        return body;
    }

    private byte[] Truncate(byte[] body) => body[.._random.Next(body.Length)];

    private byte[] LengthLie(byte[] body)
    {
        var actual = body.Length - 5;
        var lie = _random.Next(5) switch
        {
            0 => (uint)Math.Max(0, actual - 1 - _random.Next(Math.Max(1, actual))),
            1 => (uint)(actual + 1 + _random.Next(1000)),
            2 => uint.MaxValue,
            3 => 100u * 1024 * 1024,
            _ => 0x7FFFFFFFu,
        };
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), lie);
        return body;
    }

    private static byte[] SetFlag(byte[] body)
    {
        body[0] = 1;
        return body;
    }

    private static byte[] Gzip(byte[] framed)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(framed, 5, framed.Length - 5);
        }
        return RawGrpc.Frame(compressed.ToArray(), flag: 1);
    }

    /// <summary>A few hundred KiB that inflate to 200 MiB: the size limit must apply to the inflated bytes.</summary>
    private static byte[] GzipBomb()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 200; i++)
            {
                gzip.Write(zeros);
            }
        }
        return RawGrpc.Frame(compressed.ToArray(), flag: 1);
    }

    private static Node HugeShapeLeaf()
    {
        var value = new Tensor();
        value.Shape.Add(Enumerable.Repeat(1L, 1_000_000));
        value.Values.Add(1.0);
        return new Node { Id = "x", Input = new Input { Value = value } };
    }

    private static EvaluateRequest HugeValues()
    {
        var value = new Tensor { Shape = { 2 } };
        value.Values.Add(new double[3_000_000]);
        return new EvaluateRequest { Graph = new Graph { Nodes = { new Node { Id = "x", Input = new Input { Value = value } } } } };
    }

    private static EvaluateRequest HugeOutputs()
    {
        var request = new EvaluateRequest { Graph = GraphGenerator.FanOutFanIn(2) };
        request.Outputs.Add(Enumerable.Range(0, 300_000).Select(i => $"out{i}"));
        request.Wrt.Add(Enumerable.Range(0, 300_000).Select(i => $"wrt{i}"));
        return request;
    }

    public static string Name(StatusCode status) => status switch
    {
        StatusCode.OK => "OK",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.Unknown => "UNKNOWN",
        StatusCode.Cancelled => "CANCELLED",
        _ => status.ToString().ToUpperInvariant(),
    };
}

/// <summary>A reply that breaks the contract: the case's status (for the tally) and what was wrong.</summary>
public sealed class FuzzFailure(string status, string message) : Exception(message)
{
    public string Status { get; } = status;
}
