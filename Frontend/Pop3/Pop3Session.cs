using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Pop3;

/// <summary>
/// One POP3 client from greeting to relay: the AUTHORIZATION state of RFC 1939 as nginx implements it
/// (src/mail/ngx_mail_pop3_handler.c). The command loop, the login decision and the relay are <see cref="MailSession"/>'s.
/// Like nginx, the session has two states: the start, and "USER given" in which only PASS, CAPA, NOOP and QUIT
/// are accepted; any rejected command returns to the start.
/// </summary>
internal sealed class Pop3Session(
    ConnectionContext connection,
    ServerSettings settings,
    Pop3SessionFactory listener,
    SessionServices services,
    ILogger logger) : MailSession(connection, settings, services, logger)
{
    /// <summary>
    /// The greeting's <c>&lt;random.time@server_name&gt;</c> when APOP or CRAM-MD5 is enabled: the APOP timestamp
    /// (RFC 1939 §7) and, as in nginx, the CRAM-MD5 challenge too. One per session.
    /// </summary>
    private readonly string? _salt = listener.GreetsWithSalt ? SaltGenerator.Create(settings.ServerName, services.Time) : null;

    /// <summary>The login of an accepted USER (state <see cref="Pop3State.UserGiven"/>), until PASS or any rejection.</summary>
    private string? _user;

    /// <summary>Which commands <see cref="Pop3StateTable"/> allows now.</summary>
    private Pop3State _state = Pop3State.Start;

    protected override string InternalErrorReply => Pop3Replies.InternalError;

    protected override string ShuttingDownReply => Pop3Replies.ShuttingDown;

    protected override string CertificateErrorReply => Pop3Replies.CertificateError;

    protected override string NoCertificateReply => Pop3Replies.NoCertificate;

    protected override string TemporaryFailureReply => Pop3Replies.TemporaryFailure;

    protected override string SessionLimitReply(string message) => Pop3Replies.SessionLimit(message);

    protected override int ClientBuffer => Settings.Pop3.ClientBuffer;

    protected override SaslMechanisms AuthMechanisms => Settings.Pop3.Auth;

    protected override string TooLongReply => Pop3Replies.InvalidCommand;

    protected override string InvalidCommandReply => Pop3Replies.InvalidCommand;

    protected override string Continuation(string base64Challenge) => Pop3Replies.Continuation(base64Challenge);

    protected override string LoginFailedReply(LoginDecision decision) => Pop3Replies.LoginFailed(decision.Message ?? "");

    /// <summary>CRAM-MD5 answers the greeting's salt, as nginx does; it is only offered when that salt exists.</summary>
    protected override string ChallengeSalt() => _salt ?? base.ChallengeSalt();

    protected override async ValueTask<NextStep> GreetAsync()
    {
        await Client.SendAsync(Pop3Replies.Greeting(_salt));
        return NextStep.Continue;
    }

    protected override async ValueTask<NextStep> ReadCommandAsync()
    {
        var (status, command) = await ReadCommandLineAsync(Pop3CommandParser.Parse);
        if (status == LineStatus.Closed) return NextStep.Close;
        if (status == LineStatus.TooLong) return await TooLongAsync();
        if (command is null) return await RejectAsync(counts: true);
        return await HandleAsync(command);
    }

    private async ValueTask<NextStep> HandleAsync(Pop3Command command)
    {
        var args = command.Arguments;
        if (command.Name is Pop3Command.User or Pop3Command.Apop or Pop3Command.Auth && StarttlsRequired)
        {
            // starttls only: every way to log in, even AUTH without arguments (src/mail/ngx_mail_ssl_module.c).
            return await RejectAsync(counts: false);
        }
        if (Pop3StateTable.Find(_state, command.Name) is not { } transition)
            return await RejectAsync(Pop3StateTable.RefusalCounts(command.Name));
        switch (transition.Action)
        {
            case Pop3Action.Capa when args.Length == 0:
                // nginx's quirk: CAPA after USER never shows STLS.
                await Client.SendAsync(IsTls ? listener.Capa
                    : _state == Pop3State.UserGiven && !StarttlsRequired ? listener.CapaPlaintextAfterUser : listener.CapaBeforeTls);
                return NextStep.Continue;
            case Pop3Action.Noop when args.Length == 0:
                await Client.SendAsync(Pop3Replies.Ok);
                return NextStep.Continue;
            case Pop3Action.Quit when args.Length == 0:
                await Client.SendAsync(Pop3Replies.Ok);
                return CloseFor(SessionEnd.Quit);
            case Pop3Action.Stls when args.Length == 0 && StarttlsOffered:
                return await StartTlsAsync(Pop3Replies.Ok);
            case Pop3Action.Stls:
                // starttls off, or TLS already: counted like STARTTLS on IMAP and SMTP, as an unknown command.
                return await RejectAsync(counts: true);
            case Pop3Action.User when args.Length == 1:
                return await UserAsync(args[0], transition.Next);
            case Pop3Action.Pass when args.Length == 1:
                return await PassAsync(args[0], transition.Next);
            case Pop3Action.Apop when Settings.Pop3.Apop && args.Length == 2 && IsDigest(args[1]):
                return await ApopAsync(args[0], args[1]);
            case Pop3Action.Auth when args.Length == 0:
                await Client.SendAsync(IsTls ? listener.AuthList : listener.AuthListBeforeTls);
                return NextStep.Continue;
            case Pop3Action.Auth when args.Length <= 2:
                return await AuthenticateAsync(args[0], args.Length == 2 ? args[1] : null);
            default:
                // A known command with the wrong arguments, or APOP while disabled: a handler rejection, which nginx
                // does not count toward max_errors; like nginx, it returns the session to the start state.
                return await RejectAsync(counts: false);
        }
    }

    private ValueTask<NextStep> RejectAsync(bool counts)
    {
        _user = null;
        _state = Pop3State.Start;
        return InvalidAsync(Pop3Replies.InvalidCommand, counts);
    }

    private async ValueTask<NextStep> UserAsync(string login, Pop3State next)
    {
        // Hardening beyond nginx: a NUL in a login never reaches the auth server or the upstream's USER line.
        if (!SaslDecoder.IsSafe(login)) return await RejectAsync(counts: true);
        _user = login;
        _state = next;
        await Client.SendAsync(Pop3Replies.Ok);
        return NextStep.Continue;
    }

    private async ValueTask<NextStep> PassAsync(string password, Pop3State next)
    {
        if (!SaslDecoder.IsSafe(password)) return await RejectAsync(counts: true);
        var login = _user!;
        // Whatever the auth server decides, a retry after Auth-Wait starts again from USER (nginx's start state).
        _user = null;
        _state = next;
        return await DecideAsync(new Credentials(AuthMethod.Plain, login, password), LoginMechanism.User);
    }

    /// <summary>RFC 1939 §7: the digest is the MD5 of the greeting's timestamp and the secret, in 32 hex digits.</summary>
    private static bool IsDigest(string digest) => digest.Length == 32 && !digest.AsSpan().ContainsAnyExcept(HexDigits);

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private async ValueTask<NextStep> ApopAsync(string login, string digest)
    {
        if (!SaslDecoder.IsSafe(login)) return await RejectAsync(counts: true);
        return await DecideAsync(new Credentials(AuthMethod.Apop, login, digest, _salt), LoginMechanism.Apop);
    }

    private async ValueTask<NextStep> AuthenticateAsync(string mechanism, string? initialResponse)
    {
        var sasl = await AuthenticateSaslAsync(mechanism, initialResponse);
        return sasl.Status switch
        {
            SaslStatus.Done => await DecideAsync(sasl),
            SaslStatus.Closed => NextStep.Close,
            SaslStatus.Refused => await RejectAsync(counts: false),
            _ => await RejectAsync(counts: true),
        };
    }

    protected override Task<UpstreamLoginResult> LoginUpstreamAsync(
        UpstreamConnection upstream, string login, string password, UpstreamBearerLogin? bearer, LoginDecision decision, CancellationToken cancellationToken) =>
        Pop3UpstreamLogin.LoginAsync(upstream, login, password, bearer, Settings.ProxyBuffer, cancellationToken);
}
