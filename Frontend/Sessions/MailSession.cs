using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Frontend.Tls;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Logging;
using OrleansMail.Frontend.Logging;

namespace OrleansMail.Frontend.Sessions;

/// <summary>
/// What every mail session shares, whatever the protocol (nginx's ngx_mail_handler.c and ngx_mail_proxy_module.c):
/// the command loop around a protocol's parser, max_errors, SASL challenges, the login decision with Auth-Wait,
/// the upstream connection, proxy_pass_error_message and the switch to the byte relay. A protocol supplies its
/// greeting, its command handling, its reply wording and its upstream login dialogue.
/// Commands are handled one at a time in order; while a login is being decided nothing more is read, so pipelined
/// input waits in the pipe and goes to the upstream after login (src/mail/ngx_mail_handler.c and ngx_mail_proxy_module.c).
/// </summary>
internal abstract partial class MailSession : ISaslChannel
{
    private readonly ILogger _logger;
    private readonly SessionServices _services;
    private UpstreamConnection? _upstream;
    private int _errors;
    private int _attempts;
    private readonly ClientTls? _clientTls;
    private TlsTransport? _tls;
    private TlsFacts? _tlsFacts;
    private SessionLease? _lease;
    private readonly ListenerLabels _labels;
    private readonly long _acceptedAt;
    private LoginMechanism _mechanism;
    private RelaySession? _relay;
    private long _relayStartedAt;
    private SessionEnd? _end;
    private bool _loginTimedOut;
    private int _shuttingDown;
    private System.Diagnostics.Activity? _loginSpan;

    protected MailSession(ConnectionContext connection, ServerSettings settings, SessionServices services, ILogger logger)
    {
        Connection = connection;
        Settings = settings;
        _services = services;
        _logger = logger;
        _acceptedAt = connection.Features.Get<AcceptedAt>()?.Timestamp ?? services.Time.GetTimestamp();
        Client = new ClientChannel(connection, settings.Timeout, services.Drain.Closing);
        _clientTls = connection.Features.Get<ClientTls>();
        _labels = connection.Features.Get<ListenerLabels>() ?? new ListenerLabels(settings);
        LogContext = new MailLogContext(Client.ClientIp, settings.Listen);
    }

    private FrontendMetrics Metrics => _services.Metrics;

    /// <summary>The session closes for <paramref name="end"/> (its closing log line says so); returns <see cref="NextStep.Close"/>.</summary>
    protected NextStep CloseFor(SessionEnd end)
    {
        _end = end;
        return NextStep.Close;
    }

    /// <summary>The connection number, client, server, login and upstream every line of this session carries.</summary>
    protected MailLogContext LogContext { get; }

    /// <summary>The client's side is TLS: implicit, or after STARTTLS/STLS.</summary>
    protected bool IsTls => _tls is not null;

    /// <summary><c>starttls on|only</c> and still plaintext: STARTTLS/STLS is advertised and accepted (src/mail/ngx_mail_ssl_module.c).</summary>
    protected bool StarttlsOffered => Settings.Tls.Starttls != StarttlsMode.Off && !IsTls;

    /// <summary><c>starttls only</c> and still plaintext: every way to log in is refused.</summary>
    protected bool StarttlsRequired => Settings.Tls.Starttls == StarttlsMode.Only && !IsTls;

    /// <summary>nginx's reply to a client certificate that failed verification (src/mail/ngx_mail_{imap,pop3,smtp}_module.c), before closing.</summary>
    protected abstract string CertificateErrorReply { get; }

    /// <summary>nginx's reply when <c>ssl_verify_client on</c> and the client sent no certificate, before closing.</summary>
    protected abstract string NoCertificateReply { get; }

    /// <summary>
    /// Starts TLS: implicit TLS before the greeting (<paramref name="reply"/> null), or after an accepted
    /// STARTTLS/STLS, whose <paramref name="reply"/> is sent first. Everything the client pipelined after the command
    /// in plaintext is thrown away before that reply, so none of it can pass for a command sent under TLS
    /// (CVE-2014-3556); the protocol then goes on in its pre-login state without a new greeting.
    /// Then ssl_verify_client's verdict: a missing or bad certificate gets nginx's reply and the session closes.
    /// </summary>
    protected async ValueTask<NextStep> StartTlsAsync(string? reply)
    {
        if (reply is not null)
        {
            if (Client.Input.TryRead(out var pending))
            {
                if (!pending.Buffer.IsEmpty) LogPlaintextDiscarded(pending.Buffer.Length);
                Client.Input.AdvanceTo(pending.Buffer.End);
            }
            await Client.SendAsync(reply);
        }
        var result = await _clientTls!.HandshakeAsync(Connection, Settings.Timeout);
        Metrics.TlsHandshake(_labels, result.Transport?.Stream.SslProtocol);
        if (result.Transport is null)
        {
            Metrics.ConnectionRejected(_labels, RejectReason.TlsHandshake);
            LogTlsHandshakeFailed(result.Failure ?? "");
            return CloseFor(SessionEnd.TlsFailed);
        }
        LogContext.Starttls = reply is not null;
        _tls = result.Transport;
        _tlsFacts = result.Facts is { } facts && !Settings.Tls.Implicit ? facts with { StartTls = true } : result.Facts;
        switch (result.Certificate?.Outcome)
        {
            case ClientCertificateOutcome.Missing:
                LogClientCertificateRefused("client sent no required SSL certificate");
                await Client.SendAsync(NoCertificateReply);
                return CloseFor(SessionEnd.Refused);
            case ClientCertificateOutcome.Bad:
                LogClientCertificateRefused("client SSL certificate verify error: " + result.Certificate.Verify);
                await Client.SendAsync(CertificateErrorReply);
                return CloseFor(SessionEnd.Refused);
            default:
                return NextStep.Continue;
        }
    }

    protected ConnectionContext Connection { get; }

    protected ServerSettings Settings { get; }

    protected ClientChannel Client { get; }

    protected TimeProvider Time => _services.Time;

    /// <summary>
    /// The challenge for a CRAM-MD5 exchange, <c>&lt;random.time@server_name&gt;</c>: a fresh one per exchange, so a
    /// captured answer cannot be replayed even within the session. POP3 overrides this with its greeting's salt,
    /// which APOP and CRAM-MD5 share there (RFC 1939, nginx).
    /// </summary>
    protected virtual string ChallengeSalt() => SaltGenerator.Create(Settings.ServerName, Time);

    /// <summary>
    /// The line a session still open when a graceful stop's drain ends gets before it is closed (README "Graceful
    /// rollouts"): IMAP <c>* BYE</c>, POP3 <c>-ERR [SYS/TEMP]</c>, SMTP <c>421 4.3.2</c>.
    /// </summary>
    protected abstract string ShuttingDownReply { get; }

    /// <summary>The protocol's internal-error reply (src/mail/ngx_mail_{imap,pop3,smtp}_module.c), sent before closing on any failure.</summary>
    protected abstract string InternalErrorReply { get; }

    /// <summary>The longest client line this protocol's listener accepts (<c>*_client_buffer</c>).</summary>
    protected abstract int ClientBuffer { get; }

    /// <summary>The mechanisms <c>*_auth</c> enables on this listener.</summary>
    protected abstract SaslMechanisms AuthMechanisms { get; }

    /// <summary>
    /// The longest XOAUTH2/OAUTHBEARER command, initial response or continuation line: sasl_oauth_buffer, or the
    /// client buffer when that is longer (README "Bearer-token logins").
    /// </summary>
    protected int BearerLineLength => Math.Max(ClientBuffer, Settings.SaslOAuth.Buffer);

    /// <summary>The bearer-token mechanisms offered on this connection now (before TLS only under sasl_oauth_plaintext).</summary>
    protected SaslMechanisms UsableBearerMechanisms => Settings.SaslOAuth.Usable(AuthMechanisms, IsTls) & SaslOAuthSettings.BearerMechanisms;

    /// <summary>Sends the greeting (after any protocol-specific wait); returns <see cref="NextStep.Close"/> to end early.</summary>
    protected abstract ValueTask<NextStep> GreetAsync();

    /// <summary>Reads one command (or protocol error) and handles it.</summary>
    protected abstract ValueTask<NextStep> ReadCommandAsync();

    /// <summary>A SASL continuation in the protocol's form: IMAP/POP3 <c>+ x</c>, SMTP <c>334 x</c>.</summary>
    protected abstract string Continuation(string base64Challenge);

    /// <summary>The reply to a line longer than <see cref="ClientBuffer"/> (the invalid-command reply; the session then closes).</summary>
    protected abstract string TooLongReply { get; }

    /// <summary>The invalid-command reply to the command being handled: IMAP <c>tag BAD</c>, POP3 <c>-ERR</c>, SMTP <c>500</c>.</summary>
    protected abstract string InvalidCommandReply { get; }

    /// <summary>
    /// The reply when no decision could be made (auth server down with no usable cached decision, login grain
    /// unavailable after the retry): a temporary failure the client may retry later, unlike nginx's internal error.
    /// IMAP <c>NO [UNAVAILABLE]</c> (RFC 5530), POP3 <c>-ERR [SYS/TEMP]</c> (RFC 3206), SMTP <c>454 4.7.0</c> (RFC 4954).
    /// </summary>
    protected abstract string TemporaryFailureReply { get; }

    /// <summary>
    /// The reply when a concurrent-session limit is reached: as Dovecot answers mail_max_userip_connections, the
    /// protocol's temporary-failure code with <paramref name="message"/> (IMAP <c>NO [UNAVAILABLE]</c>, POP3
    /// <c>-ERR [SYS/TEMP]</c>, SMTP <c>454 4.7.0</c>).
    /// </summary>
    protected abstract string SessionLimitReply(string message);

    /// <summary>The reply to a refused login: the auth server's message in the protocol's form.</summary>
    protected abstract string LoginFailedReply(LoginDecision decision);

    /// <summary>The protocol's login dialogue with the upstream, within <c>timeout</c>.</summary>
    /// <param name="upstream">The connected upstream, TLS already on under ProxySsl on.</param>
    /// <param name="login">The upstream user: Auth-User, else the client's.</param>
    /// <param name="password">Auth-Pass (or a plain login's own password); empty when there is none.</param>
    /// <param name="bearer">A bearer-token client's mechanism and token, and how this upstream takes them (proxy_oauth_login); else null.</param>
    /// <param name="decision">The grain's whole decision, for a protocol that needs more of it than the login.</param>
    /// <param name="cancellationToken">Cancelled when the client leaves or <c>timeout</c> passes.</param>
    protected abstract Task<UpstreamLoginResult> LoginUpstreamAsync(
        UpstreamConnection upstream, string login, string password, UpstreamBearerLogin? bearer, LoginDecision decision, CancellationToken cancellationToken);

    public async Task RunAsync()
    {
        using var scope = _logger.BeginScope(LogContext);
        // Current from here to relay start: the grain call is made under it, so the trace reaches the grain.
        _loginSpan = LoginTracer.StartLogin(_labels, Connection.LocalEndPoint);
        LogConnected(LogContext.ConnectionNumber, ClientEndPoint(), Settings.Listen.ToString());
        // login_timeout: the whole way from accept to a relay (PROXY header, TLS handshake, greeting, commands, auth waits,
        // the upstream login) takes at most this long, however often the client sends a byte within each read's timeout.
        // The PROXY header ran before this session (within its own timeout): what it took is already spent.
        var loginLeft = Settings.LoginTimeout - Time.GetElapsedTime(_acceptedAt);
        var loginDeadline = Time.CreateTimer(static state => ((MailSession)state!).AbortForLoginTimeout(), this,
            loginLeft > TimeSpan.Zero ? loginLeft : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        // The end of a graceful stop's drain: before login the client's next read or write is cancelled, in the relay
        // both directions stop; either way the session then sends ShuttingDownReply and closes.
        using var closing = _services.Drain.Closing.UnsafeRegister(static state => ((MailSession)state!).StopForShutdown(), this);
        try
        {
            if (Settings.Tls.Implicit && await StartTlsAsync(reply: null) == NextStep.Close) return;
            var next = await GreetAsync();
            while (next == NextStep.Continue) next = await ReadCommandAsync();
            if (next == NextStep.Relay)
            {
                // Logged in: no longer a pre-login connection of its address (PreloginConnectionsPerAddress).
                await loginDeadline.DisposeAsync();
                Connection.Features.Get<ConnectionLimits.PreloginSlot>()?.Release();
                _loginSpan?.Stop();
                var relay = new RelaySession(Connection.Transport, _upstream!, Settings.ProxyTimeout, _services.RelayMonitor, Metrics, _labels);
                Interlocked.Exchange(ref _relay, relay);
                if (ShuttingDown) relay.Expire(); // the drain ended while the upstream login ran
                _relayStartedAt = Time.GetTimestamp();
                _end = await relay.RunAsync();
                if (ShuttingDown)
                {
                    // The upstream's last bytes may end mid-line; the closing line starts on a line of its own.
                    await Client.SendLastAsync((relay.EndsMidLine ? "\r\n" : "") + ShuttingDownReply);
                    _end = SessionEnd.Shutdown;
                }
                LogProxiedSessionDone();
            }
        }
        catch (OperationCanceledException) when (ShuttingDown && !Client.Closed.IsCancellationRequested)
        {
            // Not on an implicit-TLS port before the handshake: a cleartext line is no answer to a TLS client.
            if (!Settings.Tls.Implicit || IsTls) await Client.SendLastAsync(ShuttingDownReply);
            _end = SessionEnd.Shutdown;
        }
        catch (OperationCanceledException) when (!Client.Closed.IsCancellationRequested)
        {
            LogClientTimedOut();
            _end = SessionEnd.Timeout;
        }
        catch (OperationCanceledException e)
        {
            LogClientClosed("client went away");
            // An abort is login_timeout's, or Kestrel's when the process stops after worker_shutdown_timeout.
            _end = _loginTimedOut ? SessionEnd.Timeout : e is ConnectionAbortedException ? SessionEnd.Shutdown : SessionEnd.ClientClosed;
        }
        catch (Exception e) when (e is IOException or ConnectionResetException)
        {
            LogClientClosed(e.GetType().Name);
            _end = _relay is null ? SessionEnd.ClientClosed : SessionEnd.Error;
        }
        catch (Exception e)
        {
            // A bug must cost one session, never the process: tell the client and close. On an implicit-TLS port
            // before the handshake succeeded nothing is sent: a cleartext reply is no answer to a TLS client.
            LogSessionFailed(e);
            _end = SessionEnd.Error;
            if (!Settings.Tls.Implicit || IsTls) await TrySendAsync(InternalErrorReply);
        }
        finally
        {
            _loginSpan?.Dispose();
            Ended(_end ?? SessionEnd.ClientClosed);
            await loginDeadline.DisposeAsync();
            if (_lease is not null) _services.Leases.Release(_lease);
            if (_upstream is not null) await _upstream.DisposeAsync();
            if (_tls is not null) await _tls.DisposeAsync();
            Client.Dispose();
        }
    }

    private bool ShuttingDown => Volatile.Read(ref _shuttingDown) == 1;

    /// <summary>The drain has ended (<see cref="SessionDrain"/>): a relay stops at once, a pre-login read or write is cancelled through the channel.</summary>
    private void StopForShutdown()
    {
        Interlocked.Exchange(ref _shuttingDown, 1);
        Volatile.Read(ref _relay)?.Expire();
    }

    private void AbortForLoginTimeout()
    {
        _loginTimedOut = true;
        Connection.Abort(new ConnectionAbortedException("login_timeout"));
    }

    /// <summary>The session's last measurements and its closing line (README "Observability", "Logging").</summary>
    private void Ended(SessionEnd end)
    {
        var now = Time.GetTimestamp();
        if (_relay is not null) Metrics.SessionEnded(_labels, end, Time.GetElapsedTime(_relayStartedAt, now));
        if (!_logger.IsEnabled(LogLevel.Information)) return; // the client's endpoint text is made for the line only
        LogSessionClosed(_labels.Protocol, end.Label(), Time.GetElapsedTime(_acceptedAt, now).TotalSeconds, ClientEndPoint(),
            _tls is null ? "plaintext" : TlsVersionName(_tls.Stream.SslProtocol), _relay?.BytesFromClient ?? 0, _relay?.BytesToClient ?? 0);
    }

    /// <summary>nginx's <c>$ssl_protocol</c> spelling (TLSv1.2, TLSv1.3).</summary>
    private static string TlsVersionName(System.Security.Authentication.SslProtocols protocol) => protocol switch
    {
        System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
        System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
        _ => protocol.ToString(),
    };

    /// <summary>The client's address and port for the "connected" line, as nginx prints it (IPv4-mapped as IPv4).</summary>
    private string ClientEndPoint() => Connection.RemoteEndPoint switch
    {
        System.Net.IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => new System.Net.IPEndPoint(ip.Address.MapToIPv4(), ip.Port).ToString(),
        { } endPoint => endPoint.ToString() ?? "unix:",
        null => "unix:",
    };

    private async Task TrySendAsync(string reply)
    {
        try { await Client.SendAsync(reply); }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException) { }
    }

    /// <summary>
    /// Answers an invalid command. max_errors counts parse-level rejections only (<paramref name="counts"/>); the
    /// nth error is still answered, then the connection closes (src/mail/ngx_mail_handler.c).
    /// </summary>
    protected async ValueTask<NextStep> InvalidAsync(string reply, bool counts, bool closeAfter = false)
    {
        await Client.SendAsync(reply);
        if (counts && ++_errors >= Settings.MaxErrors && Settings.MaxErrors > 0)
        {
            LogTooManyErrors();
            return CloseFor(SessionEnd.Refused);
        }
        return closeAfter ? CloseFor(SessionEnd.Refused) : NextStep.Continue;
    }

    /// <summary>Answers a line longer than the client buffer: the error, then close (nginx: "client sent too long command").</summary>
    protected async ValueTask<NextStep> TooLongAsync()
    {
        LogTooLong();
        await Client.SendAsync(TooLongReply);
        return CloseFor(SessionEnd.Refused);
    }

    /// <summary>
    /// Reads one POP3/SMTP command line of at most <see cref="ClientBuffer"/> bytes, or <see cref="BearerLineLength"/>
    /// for an AUTH naming a usable bearer-token mechanism, and parses it in place with <paramref name="parse"/>.
    /// </summary>
    protected ValueTask<(LineStatus Status, T? Command)> ReadCommandLineAsync<T>(LineParser<T> parse) =>
        LineReader.ReadLineAsync(Client.Input, new LineLimit(ClientBuffer, BearerLineLength, UsableBearerMechanisms), Client.ReadAsync, parse);

    /// <summary>Reads one SASL answer line: at most <see cref="ClientBuffer"/> bytes, <see cref="BearerLineLength"/> for a bearer token.</summary>
    private ValueTask<(LineStatus Status, string Line)> ReadSaslLineAsync(bool bearerToken) =>
        LineReader.ReadLineAsync(Client.Input, bearerToken ? BearerLineLength : ClientBuffer, Client.ReadAsync);

    /// <inheritdoc />
    async ValueTask<string?> ISaslChannel.ChallengeAsync(string base64Challenge, bool bearerToken)
    {
        await Client.SendAsync(Continuation(base64Challenge));
        var (status, line) = await ReadSaslLineAsync(bearerToken);
        if (status == LineStatus.TooLong)
        {
            LogTooLong();
            await Client.SendAsync(TooLongReply);
            _end = SessionEnd.Refused;
        }
        return status == LineStatus.Line ? line : null;
    }

    /// <inheritdoc />
    string ISaslChannel.ChallengeSalt() => ChallengeSalt();

    /// <summary>
    /// Runs one SASL exchange (RFC 4422) for AUTH/AUTHENTICATE with the protocol's continuations; before TLS the
    /// bearer-token mechanisms only under sasl_oauth_plaintext, otherwise refused as a disabled mechanism is.
    /// </summary>
    protected ValueTask<SaslResult> AuthenticateSaslAsync(string mechanism, string? initialResponse) =>
        SaslExchange.RunAsync(this, mechanism, initialResponse, Settings.SaslOAuth.Usable(AuthMechanisms, IsTls));

    /// <summary>The attempt the auth server is asked about; SMTP adds Client-Host and the envelope.</summary>
    protected virtual LoginAttempt CreateAttempt(Credentials credentials, int attemptNumber) =>
        new(Settings.Protocol, credentials.Method, credentials.Login, credentials.Secret, credentials.Salt,
            Client.ClientIp, attemptNumber, _tlsFacts, Settings.AuthHttp,
            ProxyProtocol: Connection.Features.Get<ProxyProtocolFeature>()?.Header.Facts,
            FrontEnd: _services.Leases.FrontEnd);

    /// <summary>
    /// Asks the login's grain, then acts as nginx does on the answer (src/mail/ngx_mail_auth_http_module.c): log in upstream and relay;
    /// or refuse and close; or, with Auth-Wait, wait without reading the client, refuse and let it try again.
    /// </summary>
    // Pooled builder: each await that goes asynchronous would otherwise allocate a state-machine box per login (docs/performance/login-profile.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected async ValueTask<NextStep> DecideAsync(Credentials credentials, LoginMechanism mechanism)
    {
        _mechanism = mechanism;
        _services.Tracer.Attempt(_loginSpan, mechanism, credentials.Login);
        var attempt = CreateAttempt(credentials, ++_attempts);
        LogContext.Login = credentials.Login;
        var decision = await _services.Decider.DecideAsync(attempt, Settings.Timeout, Client.Closed);
        // Counted when the decision is known: the deliberate Auth-Wait and throttling delays are not the login's latency,
        // and a client that leaves during them has still been refused.
        if (decision.Outcome != LoginOutcome.Allowed) LoginEnded(LoginResultLabels.Of(decision));
        if (decision is { Outcome: LoginOutcome.Refused, Delay: { } delay } && delay > TimeSpan.Zero)
        {
            // Brute-force throttling's escalating delay, served here so the grain is free meanwhile.
            await Task.Delay(delay, Time, Client.Closed);
        }

        if (decision.Session is { } lease)
        {
            // Held from here until the session ends (RunAsync's finally), renewed by the process-wide renewer.
            _lease = lease;
            _services.Leases.Hold(lease, decision.SessionLeaseTtl);
        }

        // The auth server's message may echo what the client sent: escaped like every client value.
        var reason = LogValue.Escape(decision.Message);
        switch (decision.Outcome)
        {
            case LoginOutcome.Allowed:
                return await ConnectUpstreamAsync(credentials, decision);

            case LoginOutcome.SessionLimit:
                // As Dovecot: a temporary failure on an open connection, which may log in once a session ends.
                LogSessionLimit(reason);
                await Client.SendAsync(SessionLimitReply(decision.Message ?? ""));
                return NextStep.Continue;

            case LoginOutcome.Refused when decision.SaslError is { } saslError && credentials.Method.IsBearerToken():
                LogLoginFailed(reason);
                return await SaslErrorExchangeAsync(decision, saslError);

            case LoginOutcome.Refused when decision.Wait is { } wait && wait > TimeSpan.Zero:
                LogLoginFailed(reason);
                await Task.Delay(wait, Time, Client.Closed);
                await Client.SendAsync(LoginFailedReply(decision));
                return NextStep.Continue;

            case LoginOutcome.Refused:
                LogLoginFailed(reason);
                await Client.SendAsync(LoginFailedReply(decision));
                return CloseFor(SessionEnd.LoginFailed);

            case LoginOutcome.TemporaryFailure:
                LogInternalError(reason);
                await Client.SendAsync(TemporaryFailureReply);
                return CloseFor(SessionEnd.LoginFailed);

            default:
                LogInternalError(reason);
                await Client.SendAsync(InternalErrorReply);
                return CloseFor(SessionEnd.LoginFailed);
        }
    }

    /// <summary>
    /// RFC 7628 §3.2.3, as freenginx 1.27.1 runs it: a refused bearer-token login whose auth server sent
    /// Auth-Error-SASL gets, after any Auth-Wait, that JSON (base64) as a challenge; the client's one answer
    /// (up to sasl_oauth_buffer) should be the dummy <c>AQ==</c> (^A), or an empty line or the <c>*</c> cancel
    /// (RFC 4422 §3.5), which get the usual failure reply; anything else is an invalid command, counted by max_errors
    /// as any malformed SASL answer. Then, as for any refusal, the session goes on after an Auth-Wait and closes without one.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NextStep> SaslErrorExchangeAsync(LoginDecision decision, string saslError)
    {
        var goesOn = decision.Wait is { } wait && wait > TimeSpan.Zero;
        if (goesOn) await Task.Delay(decision.Wait!.Value, Time, Client.Closed);
        await Client.SendAsync(Continuation(saslError));
        var (status, line) = await ReadSaslLineAsync(bearerToken: true);
        if (status == LineStatus.Closed) return NextStep.Close;
        if (status == LineStatus.TooLong) return await TooLongAsync();
        if (line is "AQ==" or "" or "*")
        {
            await Client.SendAsync(LoginFailedReply(decision));
            return goesOn ? NextStep.Continue : CloseFor(SessionEnd.LoginFailed);
        }
        if (goesOn) return await InvalidAsync(InvalidCommandReply, counts: true);
        await Client.SendAsync(InvalidCommandReply);
        return CloseFor(SessionEnd.LoginFailed);
    }

    /// <summary>A SASL exchange's credentials, decided; the mechanism is the exchange's.</summary>
    protected ValueTask<NextStep> DecideAsync(SaslResult sasl) =>
        DecideAsync(sasl.Credentials!, LoginMechanismLabels.Of(sasl.Mechanism ?? SaslMechanism.Plain));

    /// <summary>The attempt ended with <paramref name="result"/>: <c>orleansmail.logins</c> and <c>orleansmail.login.duration</c> (since accept).</summary>
    private void LoginEnded(LoginResult result)
    {
        Metrics.Login(_labels, _mechanism, result, Time.GetElapsedTime(_acceptedAt));
        LoginTracer.Result(_loginSpan, result);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NextStep> ConnectUpstreamAsync(Credentials client, LoginDecision decision)
    {
        var upstreamName = $"{decision.UpstreamHost}:{decision.UpstreamPort}";
        UpstreamLoginResult result;
        try
        {
            (_upstream, upstreamName) = await ConnectFailingOverAsync(decision, upstreamName);
            LogContext.Upstream = upstreamName;
            LoginTracer.Upstream(_loginSpan, upstreamName);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Client.Closed);
            deadline.CancelAfter(Settings.Timeout);
            result = await LoginUpstreamTracedAsync(upstreamName, decision.UpstreamLogin ?? client.Login, decision.UpstreamPassword ?? "", client, decision, deadline.Token);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ConnectionResetException
                                  && !Client.Closed.IsCancellationRequested)
        {
            LogUpstreamFailure(upstreamName, e);
            // A connect failure was counted by ConnectAsync; this one happened in the login dialogue.
            if (_upstream is not null) UpstreamFailed(decision, upstreamName, UpstreamErrorType.Of(e));
            result = UpstreamLoginResult.Failed("");
        }
        catch (UpstreamTlsException e)
        {
            // Never a fallback to plaintext: the internal error, and the reason for the operator.
            LogUpstreamTlsRefused(upstreamName, e.Message);
            if (_upstream is not null) UpstreamFailed(decision, upstreamName, UpstreamErrorType.Tls);
            LoginEnded(LoginResult.UpstreamFailure);
            await Client.SendAsync(InternalErrorReply);
            return CloseFor(SessionEnd.UpstreamFailed);
        }

        if (!result.Succeeded)
        {
            if (result.Impossible is { } why) LogUpstreamLoginImpossible(why);
            else if (result.Reply.Length > 0)
            {
                LogUpstreamInvalidResponse(LogValue.Escape(result.Reply.TrimEnd('\r', '\n')));
                UpstreamFailed(decision, upstreamName, UpstreamErrorType.InvalidResponse);
            }
            LoginEnded(LoginResult.UpstreamFailure);
            // proxy_pass_error_message: show the upstream's own error instead of the generic one (nginx.org/en/docs/mail/).
            var reply = Settings.ProxyPassErrorMessage && result.Reply.Length > 0 ? result.Reply : InternalErrorReply;
            await Client.SendAsync(reply);
            return CloseFor(SessionEnd.UpstreamFailed);
        }

        LogLoggedIn();
        await Client.SendAsync(result.Reply);
        // The relay starts now: the login's latency, accept to relay start.
        LoginEnded(LoginResult.Ok);
        return NextStep.Relay;
    }

    /// <summary>The protocol's login dialogue with the upstream under an <c>upstream login</c> span (a child of the login span).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<UpstreamLoginResult> LoginUpstreamTracedAsync(
        string upstreamName, string login, string password, Credentials client, LoginDecision decision, CancellationToken cancellationToken)
    {
        using var span = LoginTracer.StartUpstreamLogin(upstreamName);
        try
        {
            // The upstream is known only now (after any failover): its proxy_oauth_login decides how a token is passed on.
            var bearer = UpstreamBearerLogin.For(client.Method, client.Secret, _upstream!.Settings);
            var result = await LoginUpstreamAsync(_upstream, login, password, bearer, decision, cancellationToken);
            if (!result.Succeeded) LoginTracer.Failed(span, result.Reply.Length > 0 ? UpstreamErrorType.InvalidResponse : UpstreamErrorType.Closed);
            return result;
        }
        catch (Exception e)
        {
            LoginTracer.Failed(span, UpstreamErrorType.Of(e));
            throw;
        }
    }

    /// <summary>
    /// The upstream failed before the login completed, in nginx's words: refused or unreachable while connecting
    /// (ngx_event_connect_peer in src/event/ngx_event_connect.c), no answer within <c>timeout</c>, or closed mid-dialogue.
    /// </summary>
    private void LogUpstreamFailure(string upstream, Exception e)
    {
        LogContext.Upstream ??= upstream;
        if (e is OperationCanceledException) LogUpstreamTimedOut();
        else if (_upstream is null && (e as System.Net.Sockets.SocketException ?? e.InnerException as System.Net.Sockets.SocketException) is { } socket)
            LogUpstreamConnectFailed(upstream, $"{socket.NativeErrorCode}: {socket.Message}");
        else LogUpstreamClosed(e.GetType().Name);
    }
}
