using GraphGrpc.Engine.Kernels;

namespace GraphGrpc.Engine.Tests.Kernels;

/// <summary>
/// The blocked matrix product against its definition: each entry the fma chain over p in order, bit
/// for bit, for every shape from 0 to beyond a panel and a register block, for products large enough
/// to split across threads, and with A and B read transposed through their strides.
/// </summary>
public class MatrixProductTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var shapes = new TheoryData<int, int, int>();
        foreach (var m in new[] { 0, 1, 3, 4, 5, 9 })
        {
            foreach (var k in new[] { 0, 1, 2, 7, 17 })
            {
                foreach (var n in new[] { 1, 7, 8, 9, 16, 19 })
                {
                    shapes.Add(m, k, n);
                }
            }
        }
        // Large enough to run on several threads, with ragged edges.
        shapes.Add(101, 67, 45);
        shapes.Add(1024, 64, 128);
        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_AnyShapeAndLayout_EqualsTheFmaChainInOrder(int m, int k, int n)
    {
        var random = new Random(m * 10_007 + k * 101 + n);
        var a = Random(random, m * k);
        var b = Random(random, k * n);
        var expected = Reference(a, b, m, k, n);

        var plain = new double[m * n];
        MatrixProduct.Multiply(a, k, 1, b, n, 1, plain, m, k, n);
        AssertBits(expected, plain, "A·B");

        // The same product with A stored transposed (k×m) and B stored transposed (n×k), read through strides.
        var aTransposed = Transpose(a, m, k);
        var bTransposed = Transpose(b, k, n);
        var strided = new double[m * n];
        MatrixProduct.Multiply(aTransposed, 1, m, bTransposed, 1, k, strided, m, k, n);
        AssertBits(expected, strided, "(Aᵀ)ᵀ·(Bᵀ)ᵀ");
    }

    [Fact]
    public void Multiply_DestinationOfTheWrongSize_IsRejected() =>
        Assert.Throws<ArgumentException>(() => MatrixProduct.Multiply([1, 2], 2, 1, [3, 4], 1, 1, new double[2], 1, 2, 1));

    private static double[] Reference(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    sum = Math.FusedMultiplyAdd(a[i * k + p], b[p * n + j], sum);
                }
                c[i * n + j] = sum;
            }
        }
        return c;
    }

    private static double[] Transpose(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                t[c * rows + r] = x[r * cols + c];
            }
        }
        return t;
    }

    private static double[] Random(Random random, int length) => Enumerable.Range(0, length).Select(_ => 2 * random.NextDouble() - 1).ToArray();

    private static void AssertBits(double[] expected, double[] actual, string what)
    {
        var mismatch = Enumerable.Range(0, expected.Length)
            .FirstOrDefault(i => BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]), -1);
        Assert.True(mismatch < 0, $"{what}: entry {mismatch} is {(mismatch < 0 ? 0 : actual[mismatch])}, the fma chain gives {(mismatch < 0 ? 0 : expected[mismatch])}");
    }
}
