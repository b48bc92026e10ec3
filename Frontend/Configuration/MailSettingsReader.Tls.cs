using System.Security.Authentication;
using OrleansMail.Frontend.Tls;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// The TLS directives (nginx's <c>ngx_mail_ssl_module</c>, src/mail/ngx_mail_ssl_module.c; nginx.org/en/docs/mail/). Each directive is mapped onto the
/// platform (SslStream over OpenSSL; what .NET has no option for is set on its SSL_CTX by Frontend/Tls/OpenSslContextSettings.cs)
/// or refused naming the key and the reason: none is accepted without being applied.
/// </summary>
public static partial class MailSettingsReader
{
    private static TlsSettings ReadTls(Scope scope, bool implicitTls, MailProtocol protocol)
    {
        var warnings = new List<string>();
        var starttls = scope.Get("Starttls")?.Trim().ToLowerInvariant() switch
        {
            null or "off" => StarttlsMode.Off,
            "on" => StarttlsMode.On,
            "only" => StarttlsMode.Only,
            var other => throw scope.Invalid("Starttls", other, "expected off, on or only"),
        };

        var certificates = CertificatePairs(scope, scope.List("SslCertificate", []), scope.List("SslCertificateKey", []), "SslCertificate");
        var sni = SniCertificates(scope);
        var enabled = implicitTls || starttls != StarttlsMode.Off;
        if (enabled && certificates.Count == 0)
            throw scope.Invalid("SslCertificate", null, "listen ... ssl and starttls on|only need ssl_certificate and ssl_certificate_key (nginx refuses this too)");

        var verify = scope.Get("SslVerifyClient")?.Trim().ToLowerInvariant() switch
        {
            null or "off" => ClientCertificateMode.Off,
            "on" => ClientCertificateMode.On,
            "optional" => ClientCertificateMode.Optional,
            "optional_no_ca" => ClientCertificateMode.OptionalNoCa,
            var other => throw scope.Invalid("SslVerifyClient", other, "expected off, on, optional or optional_no_ca"),
        };
        var clientCas = scope.Get("SslClientCertificate");
        var trustedCas = scope.Get("SslTrustedCertificate");
        if (verify is ClientCertificateMode.On or ClientCertificateMode.Optional && clientCas is null && trustedCas is null)
            throw scope.Invalid("SslVerifyClient", scope.Get("SslVerifyClient"), "ssl_verify_client on|optional needs ssl_client_certificate or ssl_trusted_certificate (as in nginx)");

        RefuseCertificateCompression(scope);

        return new TlsSettings(
            Implicit: implicitTls,
            Starttls: starttls,
            Certificates: certificates,
            SniCertificates: sni,
            PasswordFile: scope.Get("SslPasswordFile"),
            Protocols: Protocols(scope, warnings),
            Ciphers: Ciphers(scope),
            PreferServerCiphers: scope.Bool("SslPreferServerCiphers", false),
            EcdhCurve: EcdhCurve(scope),
            DhParamFile: DhParam(scope),
            SessionCache: SessionCache(scope),
            SessionTickets: scope.Bool("SslSessionTickets", true),
            SessionTimeout: scope.Time("SslSessionTimeout", TimeSpan.FromMinutes(5)),
            SessionTicketKeys: scope.List("SslSessionTicketKey", []),
            ConfCommands: ConfCommands(scope),
            VerifyClient: verify,
            VerifyDepth: scope.Int("SslVerifyDepth", 1, min: 0),
            ClientCertificateAuthorities: clientCas,
            TrustedCertificateAuthorities: trustedCas,
            CrlFile: scope.Get("SslCrl"),
            PassClientCertificate: scope.Bool("AuthHttpPassClientCert", false),
            Warnings: warnings);
    }

    private static List<CertificateFiles> CertificatePairs(Scope scope, IReadOnlyList<string> certificates, IReadOnlyList<string> keys, string key)
    {
        if (certificates.Count != keys.Count)
            throw scope.Invalid(key, string.Join(' ', certificates), $"{certificates.Count} certificate(s) but {keys.Count} key(s): each ssl_certificate needs its ssl_certificate_key");
        return certificates.Select((certificate, i) => new CertificateFiles(certificate, keys[i])).ToList();
    }

    /// <summary>
    /// Beyond nginx, certificates per server name, in either shape: <c>SslSni:&lt;name&gt;:Certificate</c> and
    /// <c>SslSni:&lt;name&gt;:Key</c> (each a list, like SslCertificate), or the nginx-style directive
    /// <c>SslSniCertificate</c> whose entries read <c>name certificate key</c>. A name may be <c>*.example.com</c>.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<CertificateFiles>> SniCertificates(Scope scope)
    {
        var result = new Dictionary<string, IReadOnlyList<CertificateFiles>>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in scope.Children("SslSni"))
        {
            var pairs = CertificatePairs(scope, scope.List($"SslSni:{name}:Certificate", []), scope.List($"SslSni:{name}:Key", []), $"SslSni:{name}:Certificate");
            if (pairs.Count == 0) throw scope.Invalid($"SslSni:{name}", null, "needs Certificate and Key");
            result[name] = pairs;
        }
        foreach (var entry in scope.Entries("SslSniCertificate"))
        {
            var words = entry.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length != 3) throw scope.Invalid("SslSniCertificate", entry, "each entry reads \"name certificate.pem key.pem\"");
            var list = result.TryGetValue(words[0], out var existing) ? existing.ToList() : [];
            list.Add(new CertificateFiles(words[1], words[2]));
            result[words[0]] = list;
        }
        return result;
    }

    /// <summary>
    /// <c>ssl_protocols</c>. .NET on this platform offers TLS 1.2 and 1.3 only: SSLv2, SSLv3, TLSv1 and TLSv1.1 in an
    /// old configuration are dropped with a warning, never silently, and the rest is used.
    /// </summary>
    private static SslProtocols Protocols(Scope scope, List<string> warnings)
    {
        var words = scope.List("SslProtocols", ["TLSv1.2", "TLSv1.3"]);
        var result = SslProtocols.None;
        var dropped = new List<string>();
        foreach (var word in words)
        {
            switch (word)
            {
                case "TLSv1.2": result |= SslProtocols.Tls12; break;
                case "TLSv1.3": result |= SslProtocols.Tls13; break;
                case "SSLv2" or "SSLv3" or "TLSv1" or "TLSv1.1": dropped.Add(word); break;
                default: throw scope.Invalid("SslProtocols", word, "expected SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3");
            }
        }
        if (dropped.Count > 0)
            warnings.Add($"ssl_protocols: {string.Join(' ', dropped)} not offered (insecure, and not available on this platform); using {string.Join(' ', words.Except(dropped))}");
        if (result == SslProtocols.None)
            throw scope.Invalid("SslProtocols", string.Join(' ', words), "none of these protocols is available; use TLSv1.2 and/or TLSv1.3");
        return result;
    }

    /// <summary>
    /// <c>ssl_ciphers</c>: the OpenSSL cipher string, set on the SSL_CTX as nginx sets it (TLS 1.2 and older; TLS 1.3
    /// suites through <c>ssl_conf_command Ciphersuites</c>, as in nginx). Checked here by OpenSSL itself, so a string it
    /// refuses stops start-up with the directive's place.
    /// </summary>
    private static string Ciphers(Scope scope)
    {
        var text = scope.Get("SslCiphers") ?? TlsSettings.DefaultCiphers;
        return OpenSslContextSettings.Check(ctx => OpenSslContextSettings.SetCiphers(ctx, text)) is { } problem ? throw scope.Invalid("SslCiphers", text, problem) : text;
    }

    /// <summary><c>ssl_ecdh_curve</c>: auto, or groups OpenSSL knows (checked by OpenSSL here).</summary>
    private static string EcdhCurve(Scope scope)
    {
        var text = scope.Get("SslEcdhCurve") ?? "auto";
        return OpenSslContextSettings.Check(ctx => OpenSslContextSettings.SetEcdhCurve(ctx, text)) is { } problem ? throw scope.Invalid("SslEcdhCurve", text, problem) : text;
    }

    /// <summary><c>ssl_dhparam</c>: a PEM file OpenSSL reads as DH parameters (read here, so a bad file stops start-up).</summary>
    private static string? DhParam(Scope scope)
    {
        if (scope.Get("SslDhparam") is not { } file) return null;
        return OpenSslContextSettings.Check(ctx => OpenSslContextSettings.SetDhParam(ctx, file)) is { } problem ? throw scope.Invalid("SslDhparam", file, problem) : file;
    }

    /// <summary>
    /// <c>ssl_session_cache off | none | builtin[:size] | shared:name:size</c>, as nginx's ngx_ssl_session_cache.
    /// A shared zone is shared by nginx's worker processes on one host; OrleansMail is one process per host, so
    /// the zone is that process's cache, sized as nginx sizes it (about 4000 sessions a megabyte, nginx.org/en/docs/mail/ngx_mail_ssl_module.html).
    /// With builtin and shared together, the larger size applies.
    /// </summary>
    private static SessionCacheSettings SessionCache(Scope scope)
    {
        var words = scope.List("SslSessionCache", ["none"]);
        SessionCacheSettings? result = null;
        foreach (var word in words)
        {
            var lower = word.ToLowerInvariant();
            SessionCacheSettings next;
            if (lower == "off") next = new SessionCacheSettings(false, null);
            else if (lower == "none") next = SessionCacheSettings.None;
            else if (lower == "builtin") next = new SessionCacheSettings(true, SessionCacheSettings.OpenSslDefaultSize);
            else if (lower.StartsWith("builtin:", StringComparison.Ordinal) && int.TryParse(lower.AsSpan(8), out var count) && count > 0)
                next = new SessionCacheSettings(true, count);
            else if (lower.StartsWith("shared:", StringComparison.Ordinal) && lower.Split(':') is [_, { Length: > 0 }, var size] && NginxValueParser.TryParseSize(size, out var bytes))
                next = new SessionCacheSettings(true, (int)Math.Clamp(bytes / 256, 1, int.MaxValue));
            else
                throw scope.Invalid("SslSessionCache", word, "expected off, none, builtin[:size] or shared:name:size");
            // As nginx's ngx_mail_ssl_session_cache: off and none replace what came before; builtin and shared add up.
            result = lower is "off" or "none" || result is not { Enabled: true, Size: > 1 } ? next : next with { Size = Math.Max(result.Size.Value, next.Size ?? 0) };
        }
        return result ?? SessionCacheSettings.None;
    }

    /// <summary>The key of a repeatable directive's entry <paramref name="index"/> (so an nginx file names that line), else the directive's.</summary>
    private static string EntryKey(Scope scope, string key, int index) =>
        scope.Children(key).Count > 0 ? $"{key}:{index}" : key;

    /// <summary><c>ssl_conf_command name value</c>: each checked by OpenSSL's SSL_CONF_cmd now, applied to the SSL_CTX last, as in nginx.</summary>
    private static IReadOnlyList<SslConfCommand> ConfCommands(Scope scope)
    {
        var commands = new List<SslConfCommand>();
        foreach (var (entry, i) in scope.Entries("SslConfCommand").Select((entry, i) => (entry, i)))
        {
            var key = EntryKey(scope, "SslConfCommand", i);
            var space = entry.IndexOf(' ');
            if (space <= 0) throw scope.Invalid(key, entry, "each entry reads \"Name value\", e.g. \"Ciphersuites TLS_AES_128_GCM_SHA256\"");
            var command = new SslConfCommand(entry[..space], entry[(space + 1)..].Trim());
            if (OpenSslContextSettings.Check(ctx => OpenSslContextSettings.SetConfCommands(ctx, [command])) is { } problem)
                throw scope.Invalid(key, entry, problem);
            commands.Add(command);
        }
        return commands;
    }

    /// <summary>
    /// <c>ssl_certificate_compression on</c> needs OpenSSL 3.2 (RFC 8879); with an older libssl it is refused rather
    /// than ignored (nginx ignores it there with a warning).
    /// </summary>
    private static void RefuseCertificateCompression(Scope scope)
    {
        if (scope.Bool("SslCertificateCompression", false))
            throw scope.Invalid("SslCertificateCompression", scope.Get("SslCertificateCompression"), "certificate compression (RFC 8879) needs OpenSSL 3.2 or later; this platform's libssl.so.3 does not have it, so use off");
    }
}
