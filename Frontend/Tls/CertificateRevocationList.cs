using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// An <c>ssl_crl</c> list (RFC 5280 §5, PEM or DER): its issuer, its signature, and the revoked serial numbers.
/// .NET on Linux has no way to hand a CRL file to X509Chain, so the proxy reads the list itself and checks the
/// client certificate's serial against lists whose signature verifies with the certificate's issuer key.
/// </summary>
internal sealed class CertificateRevocationList
{
    private readonly byte[] _signedPart;
    private readonly byte[] _signature;
    private readonly string _algorithm;
    private readonly HashSet<BigInteger> _revoked = [];

    private CertificateRevocationList(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        _signedPart = outer.ReadEncodedValue().ToArray();
        _algorithm = outer.ReadSequence().ReadObjectIdentifier();
        _signature = outer.ReadBitString(out _);

        var tbs = new AsnReader(_signedPart, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) tbs.ReadInteger();
        tbs.ReadSequence();
        Issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        ThisUpdate = ReadTime(tbs);
        if (tbs.HasData && IsTime(tbs.PeekTag())) NextUpdate = ReadTime(tbs);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData) _revoked.Add(entries.ReadSequence().ReadInteger());
        }
    }

    public X500DistinguishedName Issuer { get; }

    /// <summary>When the list was issued (RFC 5280 §5.1.2.4).</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When the next list is due (RFC 5280 §5.1.2.5); a list past it is stale. Null when the list names none.</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>
    /// OpenSSL's check_crl_time (crypto/x509/x509_vfy.c): a list issued after <paramref name="now"/> is
    /// X509_V_ERR_CRL_NOT_YET_VALID, one whose nextUpdate has passed X509_V_ERR_CRL_HAS_EXPIRED; the reasons are
    /// OpenSSL's wording, which nginx passes on in Auth-SSL-Verify. Null when the list is current.
    /// </summary>
    public string? TimeError(DateTimeOffset now) =>
        ThisUpdate > now ? "CRL is not yet valid" : NextUpdate < now ? "CRL has expired" : null;

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    /// <summary>RFC 5280's Time: UTCTime through 2049, GeneralizedTime after.</summary>
    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    /// <summary>Every CRL in a PEM file (or the one DER list).</summary>
    public static IReadOnlyList<CertificateRevocationList> Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        if (!text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal)) return [new(bytes)];
        var result = new List<CertificateRevocationList>();
        foreach (var field in PemFields(text)) result.Add(new(field));
        return result;
    }

    private static IEnumerable<byte[]> PemFields(string text)
    {
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            if (rest.Span[fields.Label].SequenceEqual("X509 CRL"))
                yield return Convert.FromBase64String(rest.Span[fields.Base64Data].ToString());
            rest = rest[fields.Location.End..];
        }
    }

    /// <summary>True when this list is <paramref name="issuer"/>'s, by name and by a signature its key verifies.</summary>
    public bool IsSignedBy(X509Certificate2 issuer)
    {
        if (!issuer.SubjectName.RawData.AsSpan().SequenceEqual(Issuer.RawData)) return false;
        var hash = _algorithm switch
        {
            "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (hash == default) return false;
        if (issuer.GetRSAPublicKey() is { } rsa)
            using (rsa) return rsa.VerifyData(_signedPart, _signature, hash, RSASignaturePadding.Pkcs1);
        if (issuer.GetECDsaPublicKey() is { } ecdsa)
            using (ecdsa) return ecdsa.VerifyData(_signedPart, _signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        return false;
    }

    public bool IsRevoked(X509Certificate2 certificate) =>
        _revoked.Contains(new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true));
}
