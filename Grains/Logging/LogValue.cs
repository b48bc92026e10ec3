using System.Buffers;
using System.Globalization;
using System.Text;

namespace OrleansMail.Grains.Logging;

/// <summary>
/// How a value the client (or the auth server, or an upstream) chose is written into a log line, so that it cannot
/// end the line, start a forged one or break out of its quotes: every control character (C0, DEL, C1), the Unicode
/// line and paragraph separators, <c>"</c> and <c>\</c> become <c>\xHH</c> (or <c>\uHHHH</c> above U+00FF); all
/// other characters, UTF-8 logins included, are kept. nginx writes these values raw (ngx_mail_log_error in
/// src/mail/ngx_mail_handler.c); its access log escapes the same way (<c>escape=default</c>,
/// ngx_http_log_escape in src/http/modules/ngx_http_log_module.c). README "Logging" documents the rule.
/// </summary>
public static class LogValue
{
    /// <summary><paramref name="value"/> with every character of the rule above escaped; the same string when none is.</summary>
    public static string Escape(string? value) => string.IsNullOrEmpty(value) ? "" : Escape(value, Unsafe);

    /// <summary>
    /// The last line of defence for a whole log line: control characters only (a line break in an exception message
    /// or in a value a caller forgot to escape), so one entry stays one line.
    /// </summary>
    public static string EscapeControls(string line) => Escape(line, Controls);

    private static string Escape(string value, SearchValues<char> unsafeCharacters)
    {
        var first = value.AsSpan().IndexOfAny(unsafeCharacters);
        if (first < 0) return value;
        var escaped = new StringBuilder(value.Length + 8).Append(value, 0, first);
        foreach (var c in value.AsSpan(first))
        {
            if (!unsafeCharacters.Contains(c)) escaped.Append(c);
            else if (c <= '\u00ff') escaped.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else escaped.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        return escaped.ToString();
    }

    private static readonly char[] ControlCharacters =
        Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7f, 0x21)).Select(i => (char)i).Concat("\u2028\u2029").ToArray();

    private static readonly SearchValues<char> Controls = SearchValues.Create(ControlCharacters);

    private static readonly SearchValues<char> Unsafe = SearchValues.Create([.. ControlCharacters, '"', '\\']);
}
