using System.Security.Cryptography;
using Google.Protobuf;
using GraphGrpc.Engine.Compilation;
using GraphGrpc.Engine.Validation;
using Microsoft.Extensions.Options;
using Proto = GraphGrpc.Contracts.V1;

namespace GraphGrpc.Server.Evaluation;

/// <summary>
/// Compiled plans by the content hash of their graph, so a repeated graph skips validation and
/// compilation, for Evaluate and EvaluateBatch alike. Bounded in entries and in (estimated) bytes;
/// the least recently used plan goes first. Only valid graphs are kept, with the graph message they
/// came from, so that a gradient graph can be made from a plan named by its hash.
/// </summary>
public sealed class PlanCache(IOptions<EvaluatorOptions> options)
{
    // A compiled plan holds its leaf values plus per-node arrays: a few times the graph's wire size.
    private const int BytesPerWireByte = 4;

    private readonly int _maxEntries = options.Value.PlanCacheEntries;
    private readonly long _maxBytes = options.Value.PlanCacheBytes;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private long _bytes;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The graph's content hash: SHA-256 of its protobuf encoding, in hex.</summary>
    public static string Hash(Proto.Graph graph) => Convert.ToHexStringLower(SHA256.HashData(graph.ToByteArray()));

    /// <summary>The compilation of <paramref name="graph"/>, from the cache or compiled now (and kept if valid).</summary>
    public (Compilation Compilation, bool Hit) GetOrCompile(string hash, Proto.Graph graph, GraphLimits limits)
    {
        if (TryGet(hash, out var cached))
        {
            return (cached, true);
        }
        var compilation = GraphCompiler.Compile(graph, limits);
        if (compilation.IsValid)
        {
            Add(hash, graph, compilation, (long)graph.CalculateSize() * BytesPerWireByte);
        }
        return (compilation, false);
    }

    public bool TryGet(string hash, out Compilation compilation)
    {
        var found = TryGetEntry(hash, out var entry);
        compilation = entry?.Compilation!;
        return found;
    }

    /// <summary>The graph message a held plan was compiled from.</summary>
    public bool TryGetGraph(string hash, out Proto.Graph graph)
    {
        var found = TryGetEntry(hash, out var entry);
        graph = entry?.Graph!;
        return found;
    }

    private bool TryGetEntry(string hash, out Entry? entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                entry = node.Value;
                return true;
            }
        }
        entry = null;
        return false;
    }

    private void Add(string hash, Proto.Graph graph, Compilation compilation, long bytes)
    {
        if (bytes > _maxBytes || _maxEntries == 0)
        {
            return;
        }
        lock (_lock)
        {
            if (_entries.ContainsKey(hash))
            {
                return;
            }
            while (_entries.Count >= _maxEntries || _bytes + bytes > _maxBytes)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Hash);
                _bytes -= oldest.Value.Bytes;
            }
            _entries[hash] = _recency.AddFirst(new Entry(hash, graph, compilation, bytes));
            _bytes += bytes;
        }
    }

    private sealed record Entry(string Hash, Proto.Graph Graph, Compilation Compilation, long Bytes);
}
