using System.Security.Authentication;
using OrleansMail.Frontend.Tls;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// The TLS directives (nginx's <c>ngx_mail_ssl_module</c>, src/mail/ngx_mail_ssl_module.c; nginx.org/en/docs/mail/). Each directive is mapped onto the
/// platform (SslStream over OpenSSL), accepted with a start-up warning saying what the platform does instead, or
/// refused naming the key: none is silently ignored.
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

        RefuseOrWarnUnsupported(scope, warnings);

        return new TlsSettings(
            Implicit: implicitTls,
            Starttls: starttls,
            Certificates: certificates,
            SniCertificates: sni,
            PasswordFile: scope.Get("SslPasswordFile"),
            Protocols: Protocols(scope, warnings),
            CipherSuites: Ciphers(scope, warnings),
            SessionResumption: SessionResumption(scope, warnings),
            SessionTimeout: SessionTimeout(scope, warnings),
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
    /// <c>ssl_ciphers</c>. Unset, the platform's own list applies (OpenSSL's default, which like nginx's
    /// <c>HIGH:!aNULL:!MD5</c> has no anonymous, MD5 or export suites): .NET resumes sessions only without a
    /// CipherSuitesPolicy, so an explicit list costs resumption, which the warning says.
    /// </summary>
    private static IReadOnlyList<System.Net.Security.TlsCipherSuite>? Ciphers(Scope scope, List<string> warnings)
    {
        if (scope.Get("SslCiphers") is not { } text) return null;
        try
        {
            var suites = OpenSslCipherString.Evaluate(text);
            warnings.Add("ssl_ciphers: with an explicit cipher list the platform does not resume TLS sessions (no session cache or tickets)");
            return suites;
        }
        catch (FormatException e)
        {
            throw scope.Invalid("SslCiphers", text, e.Message);
        }
    }

    /// <summary>
    /// <c>ssl_session_cache</c> and <c>ssl_session_tickets</c>. The platform has one switch for resumption (session
    /// cache and tickets together, AllowTlsResume), kept per process with its own size; so the cache's size and a
    /// "shared" zone's name are accepted with a warning, and off/none with tickets off turns resumption off.
    /// </summary>
    private static bool SessionResumption(Scope scope, List<string> warnings)
    {
        var cache = false;
        foreach (var word in scope.List("SslSessionCache", ["none"]))
        {
            var lower = word.ToLowerInvariant();
            if (lower is "off" or "none") continue;
            if (lower == "builtin" || lower.StartsWith("builtin:", StringComparison.Ordinal) && int.TryParse(lower.AsSpan(8), out _))
                cache = true;
            else if (lower.StartsWith("shared:", StringComparison.Ordinal) && lower.Split(':') is [_, { Length: > 0 }, var size] && NginxValueParser.TryParseSize(size, out _))
                cache = true;
            else
                throw scope.Invalid("SslSessionCache", word, "expected off, none, builtin[:size] or shared:name:size");
            if (lower != "builtin")
                warnings.Add($"ssl_session_cache {word}: sessions are cached per process by the platform, which chooses the size; a zone is not shared between processes");
        }
        var tickets = scope.Bool("SslSessionTickets", true);
        if (cache && !tickets)
            warnings.Add("ssl_session_tickets off with a session cache: the platform resumes sessions by cache and tickets together, so tickets stay on");
        return cache || tickets;
    }

    /// <summary>
    /// <c>ssl_session_timeout</c>: .NET offers no way to set OpenSSL's session lifetime, so a configured value is
    /// accepted with a warning saying so (the platform's own lifetimes apply).
    /// </summary>
    private static TimeSpan SessionTimeout(Scope scope, List<string> warnings)
    {
        var timeout = scope.Time("SslSessionTimeout", TimeSpan.FromMinutes(5));
        if (scope.Get("SslSessionTimeout") is { } text)
            warnings.Add($"ssl_session_timeout {text}: not applied; the platform sets session lifetimes itself (OpenSSL: 2 hours for TLS 1.3 tickets)");
        return timeout;
    }

    private static void RefuseOrWarnUnsupported(Scope scope, List<string> warnings)
    {
        // Accepted as nginx accepts them, with a warning saying what the platform does instead (none changes which
        // clients can connect beyond what the platform's defaults allow).
        if (scope.Get("SslEcdhCurve") is { } curve && !curve.Equals("auto", StringComparison.OrdinalIgnoreCase))
            warnings.Add($"ssl_ecdh_curve {curve}: not applied; the platform chooses the curves (X25519, P-256, P-384); restrict them through OpenSSL's configuration (OPENSSL_CONF)");
        if (scope.Get("SslDhparam") is { } dhparam)
            warnings.Add($"ssl_dhparam {dhparam}: not read; DHE suites use OpenSSL's built-in groups (RFC 7919)");
        if (scope.Bool("SslPreferServerCiphers", false))
            warnings.Add("ssl_prefer_server_ciphers on: the cipher order is the platform's; the setting has no effect");
        if (scope.List("SslSessionTicketKey", []) is { Count: > 0 } ticketKeys)
            warnings.Add($"ssl_session_ticket_key {string.Join(' ', ticketKeys)}: not read; the platform makes its own ticket keys in each process, so a ticket resumes only on the node that issued it");
        if (scope.Entries("SslConfCommand") is { Count: > 0 } confCommands)
            warnings.Add($"ssl_conf_command {string.Join("; ", confCommands)}: not applied; OpenSSL commands cannot be passed through the platform; use OPENSSL_CONF");
        if (scope.Bool("SslCertificateCompression", false))
            warnings.Add("ssl_certificate_compression on: the platform does not compress certificates");
    }
}
