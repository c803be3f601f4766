using GraphGrpc.Engine.Tensors;

namespace GraphGrpc.Engine.Explanation;

/// <summary>
/// The K paths of largest contribution, by dynamic programming over the paths' DAG instead of
/// enumerating them. Walking from the output, each node keeps the K best partial paths that reach it
/// (prefixes from the output, with the seed carried through them) and offers each, carried one edge
/// further, to the operand that edge enters.
/// <list type="bullet">
/// <item>When every node holds one element, a prefix's contribution is the seed times the product of
/// its edges' local gradients, and |c·w| grows with |c|: a best path to a node extends a best prefix
/// to one of its consumers, so keeping K per node finds exactly the K best. Sign rides along.</item>
/// <item>With tensor nodes a prefix's norm can shrink or grow by different factors on later edges, so
/// keeping K per node is a beam search: a ranking heuristic, unless there are no more than K paths,
/// when every prefix is kept. The contributions it returns are exact all the same.</item>
/// </list>
/// Ties keep the prefix offered first. A NaN ranks above everything, since it is the first thing to see.
/// </summary>
internal static class TopPaths
{
    /// <summary>Largest first.</summary>
    public static List<ExplainedPath> Find(
        PlanView plan, PathSubgraph paths, GradientFlow flow, Tensor seed, int k, CancellationToken cancellationToken)
    {
        if (paths.Count == 0)
        {
            return [];
        }
        var search = new Search(plan, paths, flow, seed, k, AllSingleElements(plan, paths));
        for (var p = 1; p < paths.Count; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            search.Settle(p);
        }
        return search.PathsTo(paths.Wrt);
    }

    /// <summary>Whether every node on the paths holds one element, so each edge's Jacobian is one number.</summary>
    public static bool AllSingleElements(PlanView plan, PathSubgraph paths) =>
        paths.Slots.All(slot => Shapes.ElementCount(plan.Shape(slot)) == 1);

    private static double Rank(double norm) => double.IsNaN(norm) ? double.PositiveInfinity : norm;

    /// <summary>A kept prefix: it ends at Position, arriving along Edge from the prefix Parent (-1 and -1 for the output itself).</summary>
    private readonly record struct Prefix(int Position, int Parent, int Edge, double Value);

    private readonly record struct Candidate(int Parent, int Edge, double Value, Tensor? Cotangent);

    /// <summary>Lower rank first; among equal ranks the later offer first, so that it is the one let go.</summary>
    private sealed class KeptFirst : IComparer<(double Rank, long Order)>
    {
        public static readonly KeptFirst Instance = new();

        public int Compare((double Rank, long Order) x, (double Rank, long Order) y)
        {
            var byRank = x.Rank.CompareTo(y.Rank);
            return byRank != 0 ? byRank : y.Order.CompareTo(x.Order);
        }
    }

    private sealed class Search
    {
        private readonly PlanView _plan;
        private readonly PathSubgraph _paths;
        private readonly double[] _weights;
        private readonly int _k;
        private readonly bool _singleElements;
        private readonly List<Prefix> _prefixes = [];
        // Tensor nodes only: each kept prefix's cotangent, dropped once every operand has read it.
        private readonly List<Tensor?> _cotangents = [];
        private readonly int[] _firstPrefix;
        private readonly int[] _prefixCount;
        private readonly int[] _unreadEdges;
        private readonly PriorityQueue<Candidate, (double, long)> _best;

        public Search(PlanView plan, PathSubgraph paths, GradientFlow flow, Tensor seed, int k, bool singleElements)
        {
            _plan = plan;
            _paths = paths;
            _k = k;
            _singleElements = singleElements;
            _weights = singleElements ? flow.Locals.Select(local => local.Data[0]).ToArray() : [];
            _firstPrefix = new int[paths.Count];
            _prefixCount = new int[paths.Count];
            _unreadEdges = new int[paths.Count];
            for (var p = 0; p < paths.Count; p++)
            {
                _unreadEdges[p] = paths.OutgoingStart[p + 1] - paths.OutgoingStart[p];
            }
            _best = new PriorityQueue<Candidate, (double, long)>(k + 1, KeptFirst.Instance);
            _prefixes.Add(new Prefix(0, -1, -1, singleElements ? seed.Data[0] : double.NaN));
            _cotangents.Add(singleElements ? null : seed);
            _prefixCount[0] = 1;
        }

        /// <summary>Every consumer of position p is settled: offer their prefixes one edge on, and keep the K best.</summary>
        public void Settle(int p)
        {
            if (_singleElements && _paths.IncomingStart[p + 1] - _paths.IncomingStart[p] == 1)
            {
                SettleAlongOneEdge(p, _paths.IncomingEdges[_paths.IncomingStart[p]]);
                return;
            }
            long order = 0;
            for (var i = _paths.IncomingStart[p]; i < _paths.IncomingStart[p + 1]; i++)
            {
                var edge = _paths.IncomingEdges[i];
                var consumer = _paths.EdgeConsumer[edge];
                for (var j = _firstPrefix[consumer]; j < _firstPrefix[consumer] + _prefixCount[consumer]; j++)
                {
                    if (!Offer(Extend(j, edge), order++) && _singleElements)
                    {
                        // A consumer's prefixes are kept largest first, and one weight keeps them so: the rest cannot do better.
                        break;
                    }
                }
                if (!_singleElements && --_unreadEdges[consumer] == 0)
                {
                    for (var j = _firstPrefix[consumer]; j < _firstPrefix[consumer] + _prefixCount[consumer]; j++)
                    {
                        _cotangents[j] = null;
                    }
                }
            }

            _firstPrefix[p] = _prefixes.Count;
            _prefixCount[p] = _best.Count;
            var kept = new Candidate[_best.Count];
            for (var i = kept.Length - 1; i >= 0; i--)
            {
                kept[i] = _best.Dequeue();
            }
            foreach (var candidate in kept)
            {
                _prefixes.Add(new Prefix(p, candidate.Parent, candidate.Edge, candidate.Value));
                _cotangents.Add(candidate.Cotangent);
            }
        }

        /// <summary>One consumer and one weight: its prefixes, extended, are already the K best and in order.</summary>
        private void SettleAlongOneEdge(int p, int edge)
        {
            var consumer = _paths.EdgeConsumer[edge];
            _firstPrefix[p] = _prefixes.Count;
            _prefixCount[p] = _prefixCount[consumer];
            for (var j = _firstPrefix[consumer]; j < _firstPrefix[consumer] + _prefixCount[consumer]; j++)
            {
                _prefixes.Add(new Prefix(p, j, edge, _prefixes[j].Value * _weights[edge]));
                _cotangents.Add(null);
            }
        }

        private Candidate Extend(int parent, int edge)
        {
            if (_singleElements)
            {
                return new Candidate(parent, edge, _prefixes[parent].Value * _weights[edge], null);
            }
            var consumerSlot = _paths.Slots[_paths.EdgeConsumer[edge]];
            return new Candidate(parent, edge, double.NaN, _plan.Backward(consumerSlot, _paths.EdgeOperand[edge], _cotangents[parent]!));
        }

        /// <summary>Whether the candidate is among the K best so far.</summary>
        private bool Offer(Candidate candidate, long order)
        {
            var rank = Rank(_singleElements ? Math.Abs(candidate.Value) : TensorSums.Norm(candidate.Cotangent!.Data));
            if (_best.Count < _k)
            {
                _best.Enqueue(candidate, (rank, order));
                return true;
            }
            _best.TryPeek(out _, out var worst);
            if (KeptFirst.Instance.Compare((rank, order), worst) < 0)
            {
                return false;
            }
            _best.EnqueueDequeue(candidate, (rank, order));
            return true;
        }

        /// <summary>The kept prefixes that end at the position, each followed back to the output.</summary>
        public List<ExplainedPath> PathsTo(int position)
        {
            var shape = _plan.Shape(_paths.Slots[position]);
            var found = new List<ExplainedPath>(_prefixCount[position]);
            for (var j = _firstPrefix[position]; j < _firstPrefix[position] + _prefixCount[position]; j++)
            {
                var ids = new List<string>();
                var operands = new List<int>();
                for (var at = j; at >= 0; at = _prefixes[at].Parent)
                {
                    ids.Add(_plan.Id(_paths.Slots[_prefixes[at].Position]));
                    if (_prefixes[at].Edge >= 0)
                    {
                        operands.Add(_paths.EdgeOperand[_prefixes[at].Edge]);
                    }
                }
                ids.Reverse();
                operands.Reverse();
                var contribution = _singleElements ? new Tensor(shape, [_prefixes[j].Value]) : _cotangents[j]!;
                found.Add(new ExplainedPath(ids, operands, contribution, TensorSums.Norm(contribution.Data)));
            }
            return found;
        }
    }
}
