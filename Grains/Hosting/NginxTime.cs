using System.Globalization;

namespace OrleansMail.Grains.Hosting;

/// <summary>nginx's time syntax for the policy settings: a number with <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>; bare = seconds.</summary>
public static class NginxTime
{
    public static bool TryParse(string text, out TimeSpan time)
    {
        time = TimeSpan.Zero;
        var value = text.Trim();
        var (digits, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], TimeSpan.FromMilliseconds(1))
            : value.Length > 0 && char.IsAsciiLetter(value[^1]) ? (value[..^1], value[^1] switch
            {
                's' => TimeSpan.FromSeconds(1),
                'm' => TimeSpan.FromMinutes(1),
                'h' => TimeSpan.FromHours(1),
                'd' => TimeSpan.FromDays(1),
                _ => TimeSpan.Zero,
            })
            : (value, TimeSpan.FromSeconds(1));
        if (unit == TimeSpan.Zero || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        time = unit * n;
        return true;
    }
}
