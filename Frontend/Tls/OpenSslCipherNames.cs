using System.Collections.Frozen;
using System.Net.Security;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The name OpenSSL gives a negotiated TLS 1.2 suite (<c>SSL_CIPHER_get_name</c>, openssl-ciphers(1)), which nginx
/// sends as Auth-SSL-Cipher and logs; .NET reports the IANA name. TLS 1.3 suites keep their IANA name in OpenSSL too.
/// </summary>
internal static class OpenSslCipherNames
{
    private static readonly FrozenDictionary<TlsCipherSuite, string> Names = new Dictionary<TlsCipherSuite, string>
    {
        [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384] = "ECDHE-ECDSA-AES256-GCM-SHA384",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384] = "ECDHE-RSA-AES256-GCM-SHA384",
        [TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384] = "DHE-RSA-AES256-GCM-SHA384",
        [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256] = "ECDHE-ECDSA-CHACHA20-POLY1305",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256] = "ECDHE-RSA-CHACHA20-POLY1305",
        [TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256] = "DHE-RSA-CHACHA20-POLY1305",
        [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] = "ECDHE-ECDSA-AES128-GCM-SHA256",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] = "ECDHE-RSA-AES128-GCM-SHA256",
        [TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256] = "DHE-RSA-AES128-GCM-SHA256",
        [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384] = "ECDHE-ECDSA-AES256-SHA384",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384] = "ECDHE-RSA-AES256-SHA384",
        [TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA256] = "DHE-RSA-AES256-SHA256",
        [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256] = "ECDHE-ECDSA-AES128-SHA256",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256] = "ECDHE-RSA-AES128-SHA256",
        [TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA256] = "DHE-RSA-AES128-SHA256",
        [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA] = "ECDHE-ECDSA-AES256-SHA",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA] = "ECDHE-RSA-AES256-SHA",
        [TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA] = "DHE-RSA-AES256-SHA",
        [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA] = "ECDHE-ECDSA-AES128-SHA",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA] = "ECDHE-RSA-AES128-SHA",
        [TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA] = "DHE-RSA-AES128-SHA",
        [TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384] = "AES256-GCM-SHA384",
        [TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256] = "AES128-GCM-SHA256",
        [TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256] = "AES256-SHA256",
        [TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256] = "AES128-SHA256",
        [TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA] = "AES256-SHA",
        [TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA] = "AES128-SHA",
        [TlsCipherSuite.TLS_DH_anon_WITH_AES_256_GCM_SHA384] = "ADH-AES256-GCM-SHA384",
        [TlsCipherSuite.TLS_DH_anon_WITH_AES_128_GCM_SHA256] = "ADH-AES128-GCM-SHA256",
        [TlsCipherSuite.TLS_DH_anon_WITH_AES_256_CBC_SHA] = "ADH-AES256-SHA",
        [TlsCipherSuite.TLS_DH_anon_WITH_AES_128_CBC_SHA] = "ADH-AES128-SHA",
        [TlsCipherSuite.TLS_ECDH_anon_WITH_AES_256_CBC_SHA] = "AECDH-AES256-SHA",
        [TlsCipherSuite.TLS_ECDH_anon_WITH_AES_128_CBC_SHA] = "AECDH-AES128-SHA",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA] = "ECDHE-RSA-DES-CBC3-SHA",
        [TlsCipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA] = "DES-CBC3-SHA",
        [TlsCipherSuite.TLS_ECDHE_RSA_WITH_NULL_SHA] = "ECDHE-RSA-NULL-SHA",
        [TlsCipherSuite.TLS_RSA_WITH_NULL_SHA256] = "NULL-SHA256",
        [TlsCipherSuite.TLS_RSA_WITH_NULL_SHA] = "NULL-SHA",
        [TlsCipherSuite.TLS_RSA_WITH_NULL_MD5] = "NULL-MD5",
    }.ToFrozenDictionary();

    /// <summary>OpenSSL's name for <paramref name="suite"/>: its TLS 1.2 name, else the IANA name.</summary>
    public static string Of(TlsCipherSuite suite) => Names.GetValueOrDefault(suite) ?? suite.ToString();
}
