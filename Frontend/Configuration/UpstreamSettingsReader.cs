using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// Reads the upstream keys of a server (ProxyProtocol, ProxyImapId, ProxyOAuthLogin, ProxySsl*) with the usual mail → server
/// inheritance, and the per-upstream overrides: <c>Mail:Upstreams</c> is a list whose entries name an
/// <c>Address</c> (<c>"10.0.0.5:993"</c>, <c>"[2001:db8::5]:993"</c>, <c>"imap.example.org:143"</c> — the
/// Auth-Server:Auth-Port the auth server answers) and any of those keys; a key an entry does not set comes from the
/// server, then from <c>Mail</c>. (A list rather than <c>Upstreams:10.0.0.5:993</c> because ':' is the
/// configuration path separator.)
/// </summary>
internal static class UpstreamSettingsReader
{
    public static UpstreamPolicy Read(MailSettingsReader.Scope server)
    {
        var byAddress = new Dictionary<string, UpstreamSettings>();
        foreach (var entry in server.Mail.GetSection("Upstreams").GetChildren())
        {
            var address = entry["Address"];
            if (address is null || !TrySplit(address, out var host, out var port))
                throw new InvalidConfigurationException(entry.Path + ":Address", address, "each upstream needs Address = \"host:port\", as the auth server names it");
            byAddress[UpstreamPolicy.Key(host, port)] = ReadOne(new MailSettingsReader.Scope(server.Mail, server.Server, entry));
        }
        return new UpstreamPolicy(ReadOne(server), byAddress);
    }

    private static bool TrySplit(string address, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out port) || port is <= 0 or > 65535) return false;
        host = address[..colon].Trim('[', ']');
        return host.Length > 0;
    }

    private static UpstreamSettings ReadOne(MailSettingsReader.Scope scope)
    {
        var proxyProtocol = scope.Choice("ProxyProtocol", ProxyProtocolVersion.Off,
            ("off", ProxyProtocolVersion.Off), ("on", ProxyProtocolVersion.V1), ("v2", ProxyProtocolVersion.V2));
        var oauthLogin = scope.Choice("ProxyOAuthLogin", UpstreamOAuthLogin.Token,
            ("token", UpstreamOAuthLogin.Token), ("password", UpstreamOAuthLogin.Password));
        return new UpstreamSettings(proxyProtocol, scope.Bool("ProxyImapId", false), ReadTls(scope), oauthLogin);
    }

    private static UpstreamTlsSettings ReadTls(MailSettingsReader.Scope scope)
    {
        var mode = scope.Choice("ProxySsl", UpstreamTlsMode.Off,
            ("off", UpstreamTlsMode.Off), ("on", UpstreamTlsMode.On), ("starttls", UpstreamTlsMode.StartTls));

        X509Certificate2Collection? trusted = null;
        if (scope.Get("ProxySslTrustedCertificate") is { } caPath)
        {
            trusted = [];
            try { trusted.ImportFromPemFile(caPath); }
            catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
            {
                throw scope.Invalid("ProxySslTrustedCertificate", caPath, "cannot read a PEM CA bundle: " + e.Message);
            }
            if (trusted.Count == 0) throw scope.Invalid("ProxySslTrustedCertificate", caPath, "the file holds no PEM certificate");
        }

        var pins = new List<byte[]>();
        foreach (var pin in scope.List("ProxySslPin", []))
        {
            var text = pin.StartsWith("sha256/", StringComparison.OrdinalIgnoreCase) ? pin[7..] : pin;
            var digest = new byte[32];
            if (!Convert.TryFromBase64String(text, digest, out var written) || written != 32)
                throw scope.Invalid("ProxySslPin", pin, "expected the base64 SHA-256 of the certificate's public key (SubjectPublicKeyInfo), e.g. from: openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64");
            pins.Add(digest);
        }

        X509Certificate2? clientCertificate = null;
        var certificatePath = scope.Get("ProxySslCertificate");
        var keyPath = scope.Get("ProxySslCertificateKey");
        if ((certificatePath is null) != (keyPath is null))
            throw scope.Invalid(certificatePath is null ? "ProxySslCertificate" : "ProxySslCertificateKey", null, "ProxySslCertificate and ProxySslCertificateKey go together");
        if (certificatePath is not null)
        {
            try { clientCertificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath); }
            catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
            {
                // The message names the files, never the key's contents.
                throw scope.Invalid("ProxySslCertificate", certificatePath, "cannot load the certificate and key: " + e.Message);
            }
        }

        var protocols = SslProtocols.None;
        foreach (var name in scope.List("ProxySslProtocols", ["TLSv1.2", "TLSv1.3"]))
        {
            protocols |= name switch
            {
                "TLSv1.2" => SslProtocols.Tls12,
                "TLSv1.3" => SslProtocols.Tls13,
                _ => throw scope.Invalid("ProxySslProtocols", name, "expected TLSv1.2 and/or TLSv1.3 (older versions are not offered by this platform)"),
            };
        }

        return new UpstreamTlsSettings(mode, scope.Bool("ProxySslVerify", true), trusted, pins, scope.Get("ProxySslName"), clientCertificate, protocols);
    }
}
