using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Bench;

/// <summary>
/// The TLS scenarios' client side for one target: one <see cref="SslClientAuthenticationOptions"/> reused for every
/// connection (as a mail client keeps its settings), the server's certificate pinned to the one run.sh made for this
/// run (so a row cannot measure some other certificate), and counters of handshakes and resumed handshakes.
/// </summary>
/// <remarks>
/// Resumption: .NET's client SslStream on Linux keeps the session OpenSSL hands it (a TLS 1.3 ticket, a TLS 1.2
/// session ID or ticket) per options and TargetHost and offers it on the next connection when
/// <see cref="SslClientAuthenticationOptions.AllowTlsResume"/> is on, but it does not say whether the server took it.
/// The proof here is on the wire: a server that resumes sends no Certificate message (RFC 8446 §2.2 for TLS 1.3's PSK
/// handshake, RFC 5246 §7.3's abbreviated handshake for TLS 1.2), so a handshake in which the server sent fewer bytes
/// than its certificate's DER encoding cannot have carried the certificate: it was resumed. Every full handshake sends
/// at least the certificate, so it is never counted as resumed (the full-handshake rows report 0 % and the smoke
/// check insists on it). TLS 1.3 tickets arrive after the handshake, with the first data the client reads; every
/// scenario reads the greeting, so the next connection has a ticket to offer.
/// </remarks>
internal sealed class TlsClient
{
    private readonly SslClientAuthenticationOptions _options;
    private readonly byte[] _certificate;
    private long _handshakes;
    private long _resumed;

    /// <param name="targetHost">SNI; also the key of .NET's client session cache, so each target gets its own name.</param>
    /// <param name="certificate">The certificate the server must present (PEM file).</param>
    /// <param name="resume">Offer the previous session (AllowTlsResume); off: a full handshake every time.</param>
    public TlsClient(string targetHost, string certificate, bool resume)
    {
        using var pinned = X509Certificate2.CreateFromPem(File.ReadAllText(certificate));
        _certificate = pinned.RawData;
        KeyAlgorithm = pinned.GetKeyAlgorithm() switch
        {
            "1.2.840.113549.1.1.1" => "RSA",
            "1.2.840.10045.2.1" => "ECDSA",
            var oid => oid,
        };
        _options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            AllowTlsResume = resume,
            // The bench's self-signed certificate: trusted by being exactly the one run.sh made, not by a CA. On a
            // resumed handshake the certificate is the session's, the one checked when it was made.
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is null || presented.GetRawCertData().AsSpan().SequenceEqual(_certificate),
        };
    }

    /// <summary>"RSA" or "ECDSA": the server certificate's key.</summary>
    public string KeyAlgorithm { get; }

    public long Handshakes => Interlocked.Read(ref _handshakes);
    public long Resumed => Interlocked.Read(ref _resumed);

    /// <summary>The last handshake's protocol and cipher suite (e.g. "Tls13 TLS_AES_256_GCM_SHA384"), for the log.</summary>
    public string? Negotiated { get; private set; }

    /// <summary>Runs the handshake over <paramref name="transport"/>; the returned stream carries the session.</summary>
    public async ValueTask<Stream> AuthenticateAsync(Stream transport, CancellationToken cancellationToken)
    {
        var counting = new ReadCountingStream(transport);
        var tls = new SslStream(counting, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(_options, cancellationToken);
        }
        catch (AuthenticationException e)
        {
            await tls.DisposeAsync();
            throw new BenchProtocolException($"TLS handshake failed: {e.Message}");
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
        Interlocked.Increment(ref _handshakes);
        if (counting.BytesRead < _certificate.Length) Interlocked.Increment(ref _resumed);
        Negotiated = $"{tls.SslProtocol} {tls.NegotiatedCipherSuite}";
        return tls;
    }
}
