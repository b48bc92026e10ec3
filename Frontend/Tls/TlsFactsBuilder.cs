using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The Auth-SSL-* facts nginx sends (src/mail/ngx_mail_auth_http_module.c) in nginx's forms: the protocol as OpenSSL names it
/// (TLSv1.3), the cipher as OpenSSL names it, and with ssl_verify_client the verdict, the subject and issuer as
/// RFC 2253 strings, the serial in hex, the SHA-1 fingerprint in lower-case hex and, with auth_http_pass_client_cert,
/// the certificate in PEM.
/// </summary>
internal static class TlsFactsBuilder
{
    public static TlsFacts Build(SslStream ssl, X509Certificate2? client, ClientCertificateCheck? check, bool passCertificate)
    {
        var protocol = ssl.SslProtocol switch
        {
            SslProtocols.Tls13 => "TLSv1.3",
            SslProtocols.Tls12 => "TLSv1.2",
            var other => other.ToString(),
        };
        var cipher = OpenSslCipherNames.Of(ssl.NegotiatedCipherSuite);
        if (check is null) return new TlsFacts(protocol, cipher);
        if (client is null) return new TlsFacts(protocol, cipher, check.Verify);
        return new TlsFacts(protocol, cipher, check.Verify,
            Rfc2253(client.SubjectName), Rfc2253(client.IssuerName), client.SerialNumber,
            Convert.ToHexStringLower(SHA1.HashData(client.RawData)),
            passCertificate ? client.ExportCertificatePem() + "\n" : null);
    }

    /// <summary>RFC 2253: most specific RDN first, comma-separated without spaces, special characters escaped.</summary>
    public static string Rfc2253(X500DistinguishedName name)
    {
        var parts = new List<string>();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: true))
        {
            var oid = rdn.GetSingleElementType();
            var label = oid.Value switch
            {
                "2.5.4.3" => "CN",
                "2.5.4.6" => "C",
                "2.5.4.7" => "L",
                "2.5.4.8" => "ST",
                "2.5.4.10" => "O",
                "2.5.4.11" => "OU",
                "2.5.4.9" => "STREET",
                "0.9.2342.19200300.100.1.25" => "DC",
                "0.9.2342.19200300.100.1.1" => "UID",
                "1.2.840.113549.1.9.1" => "emailAddress",
                _ => oid.Value,
            };
            parts.Add(label + "=" + Escape(rdn.GetSingleElementValue() ?? ""));
        }
        return string.Join(',', parts);
    }

    private static string Escape(string value)
    {
        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' || (i == 0 && c is '#' or ' ') || (i == value.Length - 1 && c == ' '))
                result.Append('\\');
            result.Append(c);
        }
        return result.ToString();
    }
}
