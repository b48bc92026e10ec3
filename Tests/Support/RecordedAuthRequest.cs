using System.Net;

namespace OrleansMail.Tests.Support;

/// <summary>
/// One request as <see cref="TestAuthServer"/> received it. Header values are the raw text on the wire decoded as
/// UTF-8 (so still nginx-escaped); use <see cref="Decoded"/> for what an auth server would percent-decode.
/// </summary>
public sealed class RecordedAuthRequest
{
    internal RecordedAuthRequest(string method, string path, string protocol, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        Method = method;
        Path = path;
        Protocol = protocol;
        Headers = headers;
    }

    /// <summary>HTTP method, e.g. GET.</summary>
    public string Method { get; }

    /// <summary>Path and query as requested.</summary>
    public string Path { get; }

    /// <summary>HTTP version, e.g. HTTP/1.1.</summary>
    public string Protocol { get; }

    /// <summary>Every header with its raw value, one entry per value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The header's raw value (case-insensitive name), or null if absent; fails if it was sent twice.</summary>
    public string? this[string name] => All(name).SingleOrDefault();

    /// <summary>Every raw value of the header, in order.</summary>
    public IReadOnlyList<string> All(string name) =>
        Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();

    /// <summary>True if the header was sent at all.</summary>
    public bool Has(string name) => All(name).Count > 0;

    /// <summary>The header percent-decoded as UTF-8, as an auth server does for Auth-User/Auth-Pass/Auth-SSL-Cert.</summary>
    public string? Decoded(string name) => this[name] is { } raw ? WebUtility.UrlDecode(raw.Replace("+", "%2B", StringComparison.Ordinal)) : null;
}
