namespace GraphGrpc.Engine.Batch;

/// <summary>
/// A batch's results as columns: for each output and each wrt node, the values of every point one
/// after another (points × elements per point), except a shared node's summed gradient, which has
/// one point's elements.
/// </summary>
public sealed record BatchResult(int PointCount, double[][] Outputs, double[][] Gradients);
