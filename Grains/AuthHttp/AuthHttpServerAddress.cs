using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// Validates <c>Auth-Server</c>. nginx accepts only IP literals (src/mail/ngx_mail_auth_http_module.c); we also accept DNS host
/// names, but nothing else: the value ends up in a connect call and in logs, so spaces, control characters,
/// ports, brackets around IPv4 or ambiguous numeric forms like <c>1.2.3</c> are refused.
/// </summary>
internal static class AuthHttpServerAddress
{
    /// <summary>Returns the host to connect to (IPv6 without brackets), or null if the value is not acceptable.</summary>
    public static string? Normalize(string value)
    {
        if (value.Length is 0 or > 253)
        {
            return null;
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            var inner = value.StartsWith('[') && value.EndsWith(']') ? value[1..^1] : value;
            return IPAddress.TryParse(inner, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && IsPlain(inner)
                ? inner
                : null;
        }

        var labels = value.EndsWith('.') ? value[..^1].Split('.') : value.Split('.');
        if (labels.All(l => l.Length > 0 && l.All(char.IsAsciiDigit)))
        {
            // Numeric: only a full dotted quad, never inet_aton's short forms.
            return labels.Length == 4 && labels.All(l => l.Length <= 3 && int.Parse(l, CultureInfo.InvariantCulture) <= 255)
                ? value.TrimEnd('.')
                : null;
        }

        return labels.All(IsDnsLabel) ? value : null;
    }

    private static bool IsPlain(string text) => text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.' or '%' || char.IsAsciiLetterOrDigit(c));

    private static bool IsDnsLabel(string label) =>
        label.Length is > 0 and <= 63
        && label[0] != '-'
        && label[^1] != '-'
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
