namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The OpenSSL contexts the listeners of one configuration set their directives on. .NET keeps one server SSL_CTX per
/// certificate chain and protocol set (<see cref="ServerSslContext"/>), so listeners that serve the same certificate
/// with the same ssl_protocols share one, where nginx gives each server{} its own (src/mail/ngx_mail_ssl_module.c).
/// Their directives on it must then agree: the first listener to set a context claims it, and a later one with other
/// values is refused at start-up (or its reload), naming the directive that differs, rather than running with the
/// other listener's values or replacing them under it.
/// </summary>
internal sealed class SharedTlsContexts
{
    private readonly Dictionary<nint, Claim> _claims = [];

    private sealed record Claim(string Listener, IReadOnlyList<(string Directive, string Value)> Values);

    /// <summary>
    /// Claims <paramref name="ctx"/> for <paramref name="listener"/> with <paramref name="values"/>
    /// (<see cref="OpenSslContextSettings.Values"/>); throws <see cref="TlsContextConflictException"/> when another
    /// listener claimed it with different ones.
    /// </summary>
    public void Take(nint ctx, string listener, IReadOnlyList<(string Directive, string Value)> values, string certificate)
    {
        lock (_claims)
        {
            if (!_claims.TryGetValue(ctx, out var first))
            {
                _claims[ctx] = new Claim(listener, values);
                return;
            }
            if (first.Listener == listener) return;
            foreach (var ((directive, value), (_, firstValue)) in values.Zip(first.Values))
            {
                if (value == firstValue) continue;
                throw new TlsContextConflictException(directive,
                    $"\"{directive}\" differs from mail server \"{first.Listener}\", which serves the same certificate \"{certificate}\" " +
                    "with the same ssl_protocols: both are served by one OpenSSL context, so their ssl_ciphers, ssl_prefer_server_ciphers, " +
                    "ssl_ecdh_curve, ssl_dhparam, ssl_session_* and ssl_conf_command must agree");
            }
        }
    }
}

/// <summary>Two listeners that share an OpenSSL context (<see cref="SharedTlsContexts"/>) set <see cref="Directive"/> differently.</summary>
public sealed class TlsContextConflictException(string directive, string message) : Exception(message)
{
    /// <summary>The directive that differs, nginx's name (<c>ssl_ciphers</c>).</summary>
    public string Directive { get; } = directive;
}
