namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// What the front end knows about the client's TLS session; becomes the <c>Auth-SSL*</c> headers.
/// Absent (null) on a plaintext connection. <c>StartTls</c> tells a session upgraded by STARTTLS/STLS from one on an
/// implicit-TLS port; the auth server is not told, but the login grains never reuse a decision across the two.
/// </summary>
[GenerateSerializer, Immutable, Alias("mail.TlsFacts")]
public sealed record TlsFacts(
    [property: Id(0)] string Protocol,
    [property: Id(1)] string Cipher,
    [property: Id(2)] string? Verify = null,
    [property: Id(3)] string? Subject = null,
    [property: Id(4)] string? Issuer = null,
    [property: Id(5)] string? Serial = null,
    [property: Id(6)] string? Fingerprint = null,
    [property: Id(7)] string? CertificatePem = null,
    [property: Id(8)] bool StartTls = false);
