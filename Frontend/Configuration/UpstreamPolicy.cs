namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// The upstream settings of one server: its own (inherited from <c>Mail</c>), and per-upstream overrides from
/// <c>Mail:Upstreams:N</c>, chosen by the Auth-Server:Auth-Port the auth server names.
/// </summary>
public sealed record UpstreamPolicy(UpstreamSettings Default, IReadOnlyDictionary<string, UpstreamSettings> ByAddress)
{
    public static readonly UpstreamPolicy Plain = new(UpstreamSettings.Default, new Dictionary<string, UpstreamSettings>());

    public UpstreamSettings For(string host, int port) =>
        ByAddress.TryGetValue(Key(host, port), out var settings) ? settings : Default;

    /// <summary><c>host:port</c>, with IPv6 literals in brackets, host lower-cased.</summary>
    public static string Key(string host, int port)
    {
        var bare = host.Trim('[', ']').ToLowerInvariant();
        return bare.Contains(':', StringComparison.Ordinal) ? $"[{bare}]:{port}" : $"{bare}:{port}";
    }
}
