using System.Globalization;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// nginx's notation for times and sizes, so values can be copied from an nginx configuration:
/// times like <c>500ms</c>, <c>60s</c>, <c>10m</c>, <c>1h30m</c>, <c>1d</c> (a bare number is seconds),
/// sizes like <c>4k</c>, <c>1m</c> (a bare number is bytes). Also accepts .NET TimeSpan text (<c>00:01:00</c>).
/// </summary>
public static class NginxValueParser
{
    public static bool TryParseTime(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0) return false;
        if (s.Contains(':')) return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;

        // A sequence of <number><unit> parts, as in ngx_parse_time(): "1h30m", "90s", "250ms".
        long totalMs = 0;
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] == ' ') { i++; continue; } // ngx_parse_time() takes "1h 30m" as well as "1h30m"
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == start || !long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            long factor = s.AsSpan(unitStart, i - unitStart) switch
            {
                "" or "s" => 1000,
                "ms" => 1,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 604_800_000,
                "M" => 2_592_000_000,
                "y" => 31_536_000_000,
                _ => -1,
            };
            if (factor < 0 || n > long.MaxValue / factor / 2) return false;
            totalMs += n * factor;
            if (totalMs > (long)TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        }
        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    public static bool TryParseSize(string text, out int bytes)
    {
        bytes = 0;
        if (!TryParseAnySize(text, out var total) || total <= 0 || total > int.MaxValue) return false;
        bytes = (int)total;
        return true;
    }

    /// <summary>
    /// Any size nginx's ngx_parse_size() (src/core/ngx_parse.c) reads, zero included: digits with an optional
    /// k/K or m/M (and g/G, which nginx takes for offsets).
    /// </summary>
    public static bool TryParseAnySize(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        if (s.Length == 0) return false;
        long factor = char.ToLowerInvariant(s[^1]) switch { 'k' => 1024, 'm' => 1024 * 1024, 'g' => 1024L * 1024 * 1024, _ => 1 };
        var digits = factor == 1 ? s : s[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue / factor) return false;
        bytes = n * factor;
        return true;
    }
}
