using System.Net.Security;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// Evaluates an OpenSSL cipher string (nginx's <c>ssl_ciphers</c>, e.g. <c>HIGH:!aNULL:!MD5</c>) into the TLS 1.2
/// suites of a <see cref="CipherSuitesPolicy"/>, the way <c>SSL_CTX_set_cipher_list</c> reads it (openssl-ciphers(1)):
/// elements separated by <c>:</c>, <c>,</c> or spaces; <c>!x</c> removes x for good, <c>-x</c> removes it (a later
/// element may add it back), <c>+x</c> moves it to the end, plain <c>x</c> adds it; <c>a+b</c> means "both a and b";
/// <c>@STRENGTH</c> sorts by key length. Words are the common OpenSSL keywords (HIGH, MEDIUM, LOW, ALL, DEFAULT,
/// COMPLEMENTOFDEFAULT, aNULL, eNULL, NULL, MD5, SHA1, SHA, SHA256, SHA384, AES, AES128, AES256, AESGCM, CHACHA20,
/// 3DES, RC4, DES, kRSA, RSA, aRSA, ECDSA, aECDSA, ECDHE, EECDH, kECDHE, ECDH, DHE, EDH, kDHE, DH, ADH, AECDH,
/// TLSv1.2, TLSv1, SSLv3, EXPORT, EXP, CAMELLIA, ARIA, SEED, IDEA, PSK, SRP, DSS), OpenSSL suite names
/// (ECDHE-RSA-AES128-GCM-SHA256) and IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). Anything else is refused
/// naming the word, never guessed. As in OpenSSL, the string does not touch TLS 1.3, whose three standard suites are
/// always offered.
/// </summary>
internal static class OpenSslCipherString
{
    public const string NginxDefault = "HIGH:!aNULL:!MD5";

    private enum Strength { None, Low, Medium, High }

    private sealed record Suite(string Name, TlsCipherSuite Id, string Kx, string Au, string Enc, int Bits, string Mac, Strength Strength, bool Tls12Only);

    /// <summary>The TLS 1.2 suites OpenSSL 3 can offer, strongest first (OpenSSL's own default order, abridged).</summary>
    private static readonly Suite[] Catalog =
    [
        new("ECDHE-ECDSA-AES256-GCM-SHA384", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE", "ECDSA", "AESGCM", 256, "AEAD", Strength.High, true),
        new("ECDHE-RSA-AES256-GCM-SHA384", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE", "RSA", "AESGCM", 256, "AEAD", Strength.High, true),
        new("DHE-RSA-AES256-GCM-SHA384", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "DHE", "RSA", "AESGCM", 256, "AEAD", Strength.High, true),
        new("ECDHE-ECDSA-CHACHA20-POLY1305", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE", "ECDSA", "CHACHA20", 256, "AEAD", Strength.High, true),
        new("ECDHE-RSA-CHACHA20-POLY1305", TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE", "RSA", "CHACHA20", 256, "AEAD", Strength.High, true),
        new("DHE-RSA-CHACHA20-POLY1305", TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "DHE", "RSA", "CHACHA20", 256, "AEAD", Strength.High, true),
        new("ECDHE-ECDSA-AES128-GCM-SHA256", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE", "ECDSA", "AESGCM", 128, "AEAD", Strength.High, true),
        new("ECDHE-RSA-AES128-GCM-SHA256", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE", "RSA", "AESGCM", 128, "AEAD", Strength.High, true),
        new("DHE-RSA-AES128-GCM-SHA256", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "DHE", "RSA", "AESGCM", 128, "AEAD", Strength.High, true),
        new("ECDHE-ECDSA-AES256-SHA384", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, "ECDHE", "ECDSA", "AES", 256, "SHA384", Strength.High, true),
        new("ECDHE-RSA-AES256-SHA384", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "ECDHE", "RSA", "AES", 256, "SHA384", Strength.High, true),
        new("DHE-RSA-AES256-SHA256", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, "DHE", "RSA", "AES", 256, "SHA256", Strength.High, true),
        new("ECDHE-ECDSA-AES128-SHA256", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE", "ECDSA", "AES", 128, "SHA256", Strength.High, true),
        new("ECDHE-RSA-AES128-SHA256", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE", "RSA", "AES", 128, "SHA256", Strength.High, true),
        new("DHE-RSA-AES128-SHA256", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, "DHE", "RSA", "AES", 128, "SHA256", Strength.High, true),
        new("ECDHE-ECDSA-AES256-SHA", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE", "ECDSA", "AES", 256, "SHA1", Strength.High, false),
        new("ECDHE-RSA-AES256-SHA", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE", "RSA", "AES", 256, "SHA1", Strength.High, false),
        new("DHE-RSA-AES256-SHA", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA, "DHE", "RSA", "AES", 256, "SHA1", Strength.High, false),
        new("ECDHE-ECDSA-AES128-SHA", TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE", "ECDSA", "AES", 128, "SHA1", Strength.High, false),
        new("ECDHE-RSA-AES128-SHA", TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE", "RSA", "AES", 128, "SHA1", Strength.High, false),
        new("DHE-RSA-AES128-SHA", TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA, "DHE", "RSA", "AES", 128, "SHA1", Strength.High, false),
        new("AES256-GCM-SHA384", TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384, "RSA", "RSA", "AESGCM", 256, "AEAD", Strength.High, true),
        new("AES128-GCM-SHA256", TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256, "RSA", "RSA", "AESGCM", 128, "AEAD", Strength.High, true),
        new("AES256-SHA256", TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256, "RSA", "RSA", "AES", 256, "SHA256", Strength.High, true),
        new("AES128-SHA256", TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256, "RSA", "RSA", "AES", 128, "SHA256", Strength.High, true),
        new("AES256-SHA", TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA, "RSA", "RSA", "AES", 256, "SHA1", Strength.High, false),
        new("AES128-SHA", TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA, "RSA", "RSA", "AES", 128, "SHA1", Strength.High, false),
        new("ADH-AES256-GCM-SHA384", TlsCipherSuite.TLS_DH_anon_WITH_AES_256_GCM_SHA384, "DHE", "NULL", "AESGCM", 256, "AEAD", Strength.High, true),
        new("ADH-AES128-GCM-SHA256", TlsCipherSuite.TLS_DH_anon_WITH_AES_128_GCM_SHA256, "DHE", "NULL", "AESGCM", 128, "AEAD", Strength.High, true),
        new("ADH-AES256-SHA", TlsCipherSuite.TLS_DH_anon_WITH_AES_256_CBC_SHA, "DHE", "NULL", "AES", 256, "SHA1", Strength.High, false),
        new("ADH-AES128-SHA", TlsCipherSuite.TLS_DH_anon_WITH_AES_128_CBC_SHA, "DHE", "NULL", "AES", 128, "SHA1", Strength.High, false),
        new("AECDH-AES256-SHA", TlsCipherSuite.TLS_ECDH_anon_WITH_AES_256_CBC_SHA, "ECDHE", "NULL", "AES", 256, "SHA1", Strength.High, false),
        new("AECDH-AES128-SHA", TlsCipherSuite.TLS_ECDH_anon_WITH_AES_128_CBC_SHA, "ECDHE", "NULL", "AES", 128, "SHA1", Strength.High, false),
        new("ECDHE-RSA-DES-CBC3-SHA", TlsCipherSuite.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE", "RSA", "3DES", 112, "SHA1", Strength.Medium, false),
        new("DES-CBC3-SHA", TlsCipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "RSA", "RSA", "3DES", 112, "SHA1", Strength.Medium, false),
        new("ECDHE-RSA-NULL-SHA", TlsCipherSuite.TLS_ECDHE_RSA_WITH_NULL_SHA, "ECDHE", "RSA", "NULL", 0, "SHA1", Strength.None, false),
        new("NULL-SHA256", TlsCipherSuite.TLS_RSA_WITH_NULL_SHA256, "RSA", "RSA", "NULL", 0, "SHA256", Strength.None, true),
        new("NULL-SHA", TlsCipherSuite.TLS_RSA_WITH_NULL_SHA, "RSA", "RSA", "NULL", 0, "SHA1", Strength.None, false),
        new("NULL-MD5", TlsCipherSuite.TLS_RSA_WITH_NULL_MD5, "RSA", "RSA", "NULL", 0, "MD5", Strength.None, false),
    ];

    /// <summary>The TLS 1.3 suites, which OpenSSL configures apart from the cipher string (its <c>ciphersuites</c> default).</summary>
    private static readonly TlsCipherSuite[] Tls13 =
        [TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, TlsCipherSuite.TLS_AES_128_GCM_SHA256];

    /// <summary>Keywords OpenSSL knows whose suites this platform has none of: they select nothing, as in an OpenSSL without them.</summary>
    private static readonly HashSet<string> EmptyKeywords = ["RC4", "DES", "EXPORT", "EXP", "CAMELLIA", "CAMELLIA128", "CAMELLIA256", "ARIA", "SEED", "IDEA", "PSK", "SRP", "DSS", "aDSS", "LOW"];

    /// <summary>The TLS 1.3 suites followed by the TLS 1.2 suites the string selects, in its order.</summary>
    /// <exception cref="FormatException">An unknown word (named in the message), or a string that selects no TLS 1.2 suite.</exception>
    public static IReadOnlyList<TlsCipherSuite> Evaluate(string text)
    {
        var selected = new List<Suite>();
        var killed = new HashSet<Suite>();
        foreach (var element in text.Split([':', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (element.Equals("@STRENGTH", StringComparison.Ordinal))
            {
                selected = selected.OrderByDescending(s => s.Bits).ToList();
                continue;
            }
            var op = element[0] is '!' or '-' or '+' ? element[0] : ' ';
            var matches = Match(op == ' ' ? element : element[1..]);
            switch (op)
            {
                case '!':
                    killed.UnionWith(matches);
                    selected.RemoveAll(killed.Contains);
                    break;
                case '-':
                    selected.RemoveAll(matches.Contains);
                    break;
                case '+':
                    var moved = selected.Where(matches.Contains).ToList();
                    selected.RemoveAll(matches.Contains);
                    selected.AddRange(moved);
                    break;
                default:
                    selected.AddRange(matches.Where(s => !killed.Contains(s) && !selected.Contains(s)));
                    break;
            }
        }
        if (selected.Count == 0) throw new FormatException("selects no TLS 1.2 cipher suite this platform offers");
        return [.. Tls13, .. selected.Select(s => s.Id)];
    }

    /// <summary>The name OpenSSL (and so nginx's Auth-SSL-Cipher) gives a suite: TLS 1.3 suites keep their IANA name.</summary>
    public static string OpenSslName(TlsCipherSuite suite) =>
        Array.Find(Catalog, s => s.Id == suite)?.Name ?? suite.ToString();

    /// <summary>The suites one element names: keywords joined with <c>+</c> must all hold.</summary>
    private static HashSet<Suite> Match(string element)
    {
        IEnumerable<Suite> result = Catalog;
        foreach (var word in element.Split('+'))
        {
            var test = Keyword(word);
            result = result.Where(test).ToList();
        }
        return [.. result];
    }

    private static Func<Suite, bool> Keyword(string word)
    {
        var byName = Catalog.FirstOrDefault(s => s.Name == word || s.Id.ToString() == word);
        if (byName is not null) return s => s == byName;
        if (EmptyKeywords.Contains(word)) return _ => false;
        return word switch
        {
            "ALL" => s => s.Enc != "NULL",
            "DEFAULT" => s => s.Enc != "NULL" && s.Au != "NULL",
            "COMPLEMENTOFDEFAULT" => s => s.Au == "NULL",
            "COMPLEMENTOFALL" or "eNULL" or "NULL" => s => s.Enc == "NULL",
            "HIGH" => s => s.Strength == Strength.High,
            "MEDIUM" => s => s.Strength == Strength.Medium,
            "aNULL" => s => s.Au == "NULL",
            "ADH" => s => s.Au == "NULL" && s.Kx == "DHE",
            "AECDH" => s => s.Au == "NULL" && s.Kx == "ECDHE",
            "MD5" => s => s.Mac == "MD5",
            "SHA1" or "SHA" => s => s.Mac == "SHA1",
            "SHA256" => s => s.Mac == "SHA256",
            "SHA384" => s => s.Mac == "SHA384",
            "AES" => s => s.Enc is "AES" or "AESGCM",
            "AES128" => s => s.Enc is "AES" or "AESGCM" && s.Bits == 128,
            "AES256" => s => s.Enc is "AES" or "AESGCM" && s.Bits == 256,
            "AESGCM" => s => s.Enc == "AESGCM",
            "CHACHA20" => s => s.Enc == "CHACHA20",
            "3DES" => s => s.Enc == "3DES",
            "kRSA" or "RSA" => s => s.Kx == "RSA",
            "aRSA" => s => s.Au == "RSA",
            "ECDSA" or "aECDSA" => s => s.Au == "ECDSA",
            "kECDHE" or "kEECDH" or "ECDH" => s => s.Kx == "ECDHE",
            "ECDHE" or "EECDH" => s => s.Kx == "ECDHE" && s.Au != "NULL",
            "kDHE" or "kEDH" or "DH" => s => s.Kx == "DHE",
            "DHE" or "EDH" => s => s.Kx == "DHE" && s.Au != "NULL",
            "TLSv1.2" => s => s.Tls12Only,
            "TLSv1" or "TLSv1.0" or "SSLv3" => s => !s.Tls12Only,
            _ => throw new FormatException($"'{word}' is not a cipher keyword or suite name this proxy knows (see README, TLS)"),
        };
    }
}
