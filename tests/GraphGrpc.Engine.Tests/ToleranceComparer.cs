namespace GraphGrpc.Engine.Tests;

/// <summary>Equal within an absolute tolerance, or relative to the larger magnitude when that is above 1.</summary>
internal sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) =>
        x.Equals(y) || Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));

    public int GetHashCode(double obj) => 0;
}
