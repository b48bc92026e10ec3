using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Tls;

/// <summary>The outcome of one client handshake.</summary>
/// <param name="Transport">The TLS pipes, now the connection's transport; null when the handshake failed.</param>
/// <param name="Facts">Auth-SSL-* for the auth server.</param>
/// <param name="Certificate">ssl_verify_client's verdict.</param>
/// <param name="Failure">Why the handshake failed, for the log line; null when it succeeded.</param>
internal sealed record TlsHandshakeResult(TlsTransport? Transport, TlsFacts? Facts, ClientCertificateCheck? Certificate, string? Failure);

/// <summary>
/// The TLS front door of one listener, built once at start-up: its certificates (default pairs and per SNI name,
/// reloaded from disk on change), protocols, ALPN and client-certificate checks; the directives .NET has no option
/// for (ciphers, session cache, tickets and their keys, ssl_conf_command) are set on the SSL_CTX .NET keeps per
/// certificate (<see cref="Configure"/>), with no CipherSuitesPolicy, which would make .NET build one per handshake. One
/// <see cref="HandshakeAsync"/> serves implicit TLS (before the greeting) and STARTTLS/STLS (mid-session): SslStream
/// over the connection's current pipes, then the connection's transport becomes pipes over the SslStream.
/// </summary>
internal sealed partial class ClientTls
{
    private readonly TlsSettings _settings;
    private readonly string _listener;
    private readonly SharedTlsContexts _contexts;
    private readonly CertificateSet _default;
    private readonly Dictionary<string, CertificateSet> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly ClientCertificateVerifier? _verifier;
    private readonly List<SslApplicationProtocol> _alpn;
    private OptionsFor? _fixedOptions;

    /// <param name="server">The listener's settings.</param>
    /// <param name="contexts">The OpenSSL contexts of this configuration's listeners, shared where .NET shares them.</param>
    /// <param name="loggers">Where setting warnings and certificate reloads are logged.</param>
    /// <param name="time">The clock of certificate reloads and CRL checks.</param>
    public ClientTls(ServerSettings server, SharedTlsContexts contexts, ILoggerFactory loggers, TimeProvider time)
    {
        _settings = server.Tls;
        _listener = server.Name;
        _contexts = contexts;
        var logger = loggers.CreateLogger<ClientTls>();
        foreach (var warning in _settings.Warnings) LogSettingWarning(logger, server.Name, warning);
        // ALPACA mitigation as nginx 1.21.4: a client that offers ALPN must offer this listener's protocol.
        _alpn = [new SslApplicationProtocol(server.Protocol.ToString().ToLowerInvariant())];
        _verifier = _settings.VerifyClient == ClientCertificateMode.Off ? null : new ClientCertificateVerifier(_settings, time);
        var trust = _verifier?.NamedAuthorities is { Count: > 0 } named ? named : null;
        var ticketKeys = SessionTicketKeys.Read(_settings.SessionTicketKeys);
        SslCertificate Load(CertificateFiles files, IReadOnlyList<CertificateFiles> set)
        {
            var certificate = CertificateLoader.Load(files, _settings.PasswordFile, trust, sendTrust: true);
            Configure(certificate, files, set, ticketKeys);
            return certificate;
        }
        var setLogger = loggers.CreateLogger<CertificateSet>();
        _default = new CertificateSet(_settings.Certificates, files => Load(files, _settings.Certificates), setLogger, time);
        foreach (var (name, set) in _settings.SniCertificates) _byName[name] = new CertificateSet(set, files => Load(files, set), setLogger, time);
    }

    /// <summary>
    /// Sets this listener's TLS directives on the SSL_CTX .NET serves <paramref name="certificate"/> with, before any
    /// client reaches it (ServerSslContext). A runtime that does not expose it fails start-up naming the directives.
    /// </summary>
    private void Configure(SslCertificate certificate, CertificateFiles files, IReadOnlyList<CertificateFiles> set, IReadOnlyList<byte[]> ticketKeys)
    {
        try
        {
            // The handshakes' own options, so the primed SSL_CTX is the one .NET finds for them; the in-memory client
            // of the priming handshake has no certificate to send, so none is asked of it.
            var prime = Options(certificate.Context, null);
            prime.ClientCertificateRequired = false;
            var ctx = ServerSslContext.Prime(prime);
            var leaves = set.Select(pair => pair == files ? certificate.Certificate : X509CertificateLoader.LoadCertificateFromFile(pair.Certificate));
            var sessionIdContext = SessionIdContext.Compute(leaves, _verifier?.NamedAuthorities ?? []);
            _contexts.Take(ctx, _listener, OpenSslContextSettings.Values(_settings), files.Certificate);
            OpenSslContextSettings.Apply(ctx, _settings, ticketKeys, sessionIdContext);
        }
        catch (Exception e) when (e is PlatformNotSupportedException or InvalidOperationException or AuthenticationException or System.Security.Cryptography.CryptographicException)
        {
            throw new TlsFileException("ssl_certificate", files.Certificate, $"cannot set up TLS for certificate \"{files.Certificate}\": {e.Message}", e);
        }
    }

    /// <summary>
    /// Runs the server handshake within <paramref name="timeout"/>. On success the connection's transport is the
    /// TLS one. On failure the caller closes the connection; the reason is for the log.
    /// </summary>
    public async Task<TlsHandshakeResult> HandshakeAsync(ConnectionContext connection, TimeSpan timeout)
    {
        // The timeout alone, not linked to the connection's end: a client that closes is seen by the reads (the end of
        // the stream, or a reset), after the bytes it sent before closing. Kestrel cancels ConnectionClosed as the
        // client's FIN arrives, and a pipe read given a cancelled token throws without returning the bytes it holds:
        // a client that sends its Finished and closes at once (a monitoring probe, openssl s_time) had its handshake
        // fail with that Finished unread, where nginx completes it.
        using var deadline = new CancellationTokenSource(timeout);
        var plain = connection.Transport;
        var underneath = new DuplexPipeStream(plain);
        var ssl = new SslStream(underneath, leaveInnerStreamOpen: false);
        X509Certificate2Collection? sentChain = null;
        try
        {
            if (_verifier is null && _byName.Count == 0 && _settings.Certificates.Count == 1)
            {
                // One certificate for every client and no client certificate to keep: the same options each time,
                // so no selection callback (SslStream then skips its own ClientHello parse for it) and no probe.
                await ssl.AuthenticateAsServerAsync(FixedOptions(_default.Current[0]), deadline.Token);
            }
            else
            {
                var ecdsa = await ProbeAsync(plain.Input, deadline.Token);
                // The certificate is judged after the handshake (src/mail/ngx_mail_ssl_module.c), so a bad one gets nginx's reply
                // instead of a bare alert; here only the chain the client sent is kept for that check.
                var options = Options(null, (_, _, chain, _) =>
                {
                    sentChain = chain is null ? null : [.. chain.ChainPolicy.ExtraStore];
                    return true;
                });
                await ssl.AuthenticateAsServerAsync((_, hello, _, _) =>
                {
                    options.ServerCertificateContext = Choose(hello.ServerName, ecdsa).Context;
                    return ValueTask.FromResult(options);
                }, null, deadline.Token);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the client's bytes made the probe or SslStream throw (AuthenticationException, IOException, a
            // timeout, anything a malformed record provokes) fails this handshake only: closed quietly, one log line.
            await ssl.DisposeAsync();
            // nginx's words for a client that closed mid-handshake (src/event/ngx_event_openssl.c). An abort is an
            // OperationCanceledException too (ConnectionAbortedException): only the deadline's own is a timeout.
            var closed = underneath.PeerClosed || (e is OperationCanceledException && !deadline.IsCancellationRequested);
            var reason = closed ? "peer closed connection" : e is OperationCanceledException ? "timed out" : e.Message;
            return new TlsHandshakeResult(null, null, null, reason);
        }

        underneath.ResetReadsAsEnd = true;
        var transport = new TlsTransport(ssl, underneath);
        connection.Transport = transport;
        var client = ssl.RemoteCertificate is null ? null : ssl.RemoteCertificate as X509Certificate2 ?? new X509Certificate2(ssl.RemoteCertificate);
        var check = _verifier?.Check(client, sentChain);
        return new TlsHandshakeResult(transport, TlsFactsBuilder.Build(ssl, client, check, _settings.PassClientCertificate), check, null);
    }

    private SslServerAuthenticationOptions Options(SslStreamCertificateContext? certificate, RemoteCertificateValidationCallback? validation) => new()
    {
        ServerCertificateContext = certificate,
        EnabledSslProtocols = _settings.Protocols,
        AllowTlsResume = true, // so .NET keeps the SSL_CTX Configure set the directives on; they say what resumes
        ApplicationProtocols = _alpn,
        ClientCertificateRequired = _verifier is not null,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = validation,
    };

    /// <summary>
    /// The options of a listener with one certificate and no client certificates, built once per certificate (again
    /// after a reload): SslStream copies what it needs from them, so every handshake shares one instance.
    /// </summary>
    private SslServerAuthenticationOptions FixedOptions(SslCertificate certificate)
    {
        var current = Volatile.Read(ref _fixedOptions);
        if (current?.Certificate != certificate)
        {
            current = new OptionsFor(certificate, Options(certificate.Context, null));
            Volatile.Write(ref _fixedOptions, current);
        }
        return current.Options;
    }

    private sealed record OptionsFor(SslCertificate Certificate, SslServerAuthenticationOptions Options);

    /// <summary>Whether the client's ClientHello accepts ECDSA; null when there is no ECDSA/RSA choice to make.</summary>
    private async Task<bool?> ProbeAsync(System.IO.Pipelines.PipeReader input, CancellationToken cancellationToken)
    {
        if (!HasChoice()) return null;
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken);
            var answer = ClientHelloProbe.AcceptsEcdsa(read.Buffer, out var complete);
            if (complete || read.IsCompleted || read.Buffer.Length >= ClientHelloProbe.MaxRecord)
            {
                // Nothing consumed or examined: SslStream's first read finds the same bytes at once.
                input.AdvanceTo(read.Buffer.Start);
                return answer;
            }
            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private bool HasChoice() =>
        _settings.Certificates.Count > 1 || _settings.SniCertificates.Values.Any(files => files.Count > 1);

    /// <summary>The SNI name's certificates, else the default ones; ECDSA for a client that takes it, else RSA.</summary>
    private SslCertificate Choose(string? serverName, bool? ecdsa)
    {
        var set = serverName is not null && (_byName.TryGetValue(serverName, out var exact) || TryWildcard(serverName, out exact)) ? exact! : _default;
        var pairs = set.Current;
        if (pairs.Count == 1 || ecdsa is null) return pairs[0];
        return pairs.FirstOrDefault(p => p.IsEcdsa == ecdsa.Value) ?? pairs[0];
    }

    private bool TryWildcard(string serverName, out CertificateSet? set)
    {
        var dot = serverName.IndexOf('.');
        set = null;
        return dot > 0 && _byName.TryGetValue("*" + serverName[dot..], out set);
    }

    [LoggerMessage(EventId = 2053, Level = LogLevel.Warning, Message = "{Server}: {Warning}")]
    private static partial void LogSettingWarning(ILogger logger, string server, string warning);
}
