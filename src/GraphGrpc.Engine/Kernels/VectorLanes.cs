using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Intrinsics;

namespace GraphGrpc.Engine.Kernels;

/// <summary>
/// The vocabulary of fused loops: expressions over whole vectors of doubles, at the width the span
/// kernels use on this machine, so that an op can state its span rule as a lane formula and a batch can
/// compile a run of ops into one loop. The arithmetic is Expression's own operators, which on vectors are
/// the same IEEE operation per lane as on one double; the transcendental functions are the kernels' own
/// vector formulas, which the span kernels run too, so every lane gets the bits the span rule gives.
/// </summary>
public sealed class VectorLanes
{
    private readonly Type _simd;
    private readonly Type _bits;
    // Keyed by bits, so that +0 and −0, equal as doubles, stay apart.
    private readonly Dictionary<long, ParameterExpression> _constants = [];
    private readonly List<ParameterExpression> _hoisted = [];
    private readonly List<Expression> _prologue = [];

    private VectorLanes(Type vector, Type simd, Type bits, int count)
    {
        VectorType = vector;
        _simd = simd;
        _bits = bits;
        Count = count;
    }

    /// <summary>The lanes the span kernels use here; null on hardware where they fall back to <c>Math</c>, and nothing fuses.</summary>
    public static VectorLanes? ForThisMachine() =>
        UnaryKernel.IsWide ? new(typeof(Vector512<double>), typeof(Simd512), typeof(Vector512<ulong>), Vector512<double>.Count)
        : UnaryKernel.IsVectorized ? new(typeof(Vector256<double>), typeof(Simd256), typeof(Vector256<ulong>), Vector256<double>.Count)
        : null;

    /// <summary>Vector256&lt;double&gt; or Vector512&lt;double&gt;.</summary>
    public Type VectorType { get; }

    /// <summary>Doubles per vector.</summary>
    public int Count { get; }

    /// <summary>Variables set once before the loop: constants and shared values in every lane.</summary>
    internal IReadOnlyList<ParameterExpression> Hoisted => _hoisted;

    /// <summary>What sets the <see cref="Hoisted"/> variables.</summary>
    internal IReadOnlyList<Expression> Prologue => _prologue;

    /// <summary><paramref name="value"/> in every lane, set once before the loop.</summary>
    public Expression Constant(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        if (!_constants.TryGetValue(bits, out var constant))
        {
            constant = Hoist(value);
            _constants[bits] = constant;
        }
        return constant;
    }

    public Expression Exp(Expression x) => Kernel(typeof(ExpKernel), nameof(ExpKernel.Vector), x);

    public Expression Log(Expression x) => Kernel(typeof(LogKernel), nameof(LogKernel.Vector), x);

    public Expression Sin(Expression x) => Kernel(typeof(SinKernel), nameof(SinKernel.Vector), x);

    public Expression Cos(Expression x) => Kernel(typeof(CosKernel), nameof(CosKernel.Vector), x);

    public Expression Tanh(Expression x) => Kernel(typeof(TanhKernel), nameof(TanhKernel.Vector), x);

    public Expression Sigmoid(Expression x) => Kernel(typeof(SigmoidKernel), nameof(SigmoidKernel.Vector), x);

    /// <summary>The correctly rounded square root per lane, as <c>Math.Sqrt</c>.</summary>
    public Expression Sqrt(Expression x) => Expression.Call(VectorClass.GetMethod(nameof(Vector256.Sqrt))!.MakeGenericMethod(typeof(double)), x);

    /// <summary>The vector of <paramref name="array"/>'s elements from <paramref name="index"/> on.</summary>
    internal Expression Load(Expression array, Expression index) =>
        Expression.Call(VectorClass.GetMethods().Single(m => m.Name == nameof(Vector256.Create) && m.IsGenericMethod
            && m.GetParameters() is [{ ParameterType.IsArray: true }, { ParameterType: var second }] && second == typeof(int)).MakeGenericMethod(typeof(double)),
            array, index);

    /// <summary>Stores <paramref name="vector"/> into <paramref name="array"/> from <paramref name="index"/> on.</summary>
    internal Expression Store(Expression vector, Expression array, Expression index) =>
        Expression.Call(VectorClass.GetMethods().Single(m => m.Name == nameof(Vector256.CopyTo) && m.GetParameters().Length == 3).MakeGenericMethod(typeof(double)),
            vector, array, index);

    private Type VectorClass => VectorType == typeof(Vector512<double>) ? typeof(Vector512) : typeof(Vector256);

    private ParameterExpression Hoist(double value)
    {
        var variable = Expression.Variable(VectorType, $"c{_hoisted.Count}");
        var create = VectorClass.GetMethod(nameof(Vector256.Create), [typeof(double)])!;
        _hoisted.Add(variable);
        _prologue.Add(Expression.Assign(variable, Expression.Call(create, Expression.Constant(value))));
        return variable;
    }

    private Expression Kernel(Type kernel, string name, Expression x) =>
        Expression.Call(kernel.GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(_simd, VectorType, _bits), x);
}
