using System.Globalization;

namespace GraphGrpc.Transport.Internal;

/// <summary>
/// The grpc-timeout header: at most 8 ASCII digits followed by one unit, H M S m u n.
/// </summary>
internal static class GrpcTimeout
{
    /// <summary>The longest timer .NET can arm; longer timeouts behave as no deadline.</summary>
    public static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static bool TryParse(string value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > 9)
        {
            return false;
        }
        var digits = value.AsSpan(0, value.Length - 1);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            // Round nanoseconds up so a tiny timeout is never mistaken for none.
            'n' => (amount + 99) / 100,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }
        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    /// <summary>The shortest exact-enough header value for a timeout (8 digits at most).</summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "1n";
        }
        var ticks = timeout.Ticks;
        // Each unit in turn, finest first, until the amount fits in 8 digits (rounded up).
        (long TicksPerUnit, char Unit)[] units =
        [
            (1, 'n'), (10, 'u'), (TimeSpan.TicksPerMillisecond, 'm'), (TimeSpan.TicksPerSecond, 'S'),
            (TimeSpan.TicksPerMinute, 'M'), (TimeSpan.TicksPerHour, 'H'),
        ];
        foreach (var (ticksPerUnit, unit) in units)
        {
            long amount = unit == 'n' ? ticks * 100 : (ticks + ticksPerUnit - 1) / ticksPerUnit;
            if (amount <= 99_999_999)
            {
                return amount.ToString(CultureInfo.InvariantCulture) + unit;
            }
        }
        return "99999999H";
    }
}
