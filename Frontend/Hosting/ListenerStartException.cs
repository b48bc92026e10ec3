namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// A listener that cannot be opened: a certificate or key that cannot be loaded, an address that cannot be bound. Says
/// which setting is to blame — the listener's section (<c>Mail:Servers:N</c>), the key and the value — so that start-up
/// can report it at the directive's file:line, as nginx reports a configuration error in one line.
/// </summary>
public sealed class ListenerStartException(string section, string key, string? value, string message, Exception inner) : Exception(message, inner)
{
    /// <summary>The listener's section, <c>Mail:Servers:N</c>.</summary>
    public string Section { get; } = section;

    /// <summary>The key to blame, e.g. <c>Listen</c>, <c>SslCertificate</c>, <c>SslCertificateKey</c>.</summary>
    public string Key { get; } = key;

    /// <summary>The value to blame (the address, the file), which tells apart several entries of one key.</summary>
    public string? Value { get; } = value;
}
