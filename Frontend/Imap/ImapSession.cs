using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// One IMAP client from greeting to relay: the not-authenticated state of RFC 9051 as nginx implements it
/// (src/mail/ngx_mail_imap_handler.c). The command loop, the login decision and the relay are <see cref="MailSession"/>'s.
/// </summary>
internal sealed class ImapSession(
    ConnectionContext connection,
    ServerSettings settings,
    string capabilities,
    string capabilitiesBeforeTls,
    SessionServices services,
    ILogger logger) : MailSession(connection, settings, services, logger)
{
    /// <summary>Reads this client's commands; keeps its place in a command that arrives over several reads.</summary>
    private readonly ImapCommandParser _parser = new();

    /// <summary>The tag of the login command being decided: the refusal and the upstream LOGIN reuse it.</summary>
    private string _tag = "*";

    protected override string InternalErrorReply => ImapReplies.InternalError;

    protected override string ShuttingDownReply => ImapReplies.ShuttingDown;

    protected override string CertificateErrorReply => ImapReplies.CertificateError;

    protected override string NoCertificateReply => ImapReplies.NoCertificate;

    protected override string TemporaryFailureReply => ImapReplies.TemporaryFailure(_tag);

    protected override string SessionLimitReply(string message) => ImapReplies.SessionLimit(_tag, message);

    protected override int ClientBuffer => Settings.Imap.ClientBuffer;

    protected override SaslMechanisms AuthMechanisms => Settings.Imap.Auth;

    protected override string TooLongReply => ImapReplies.InvalidCommand("*");

    protected override string InvalidCommandReply => ImapReplies.InvalidCommand(_tag);

    protected override string Continuation(string base64Challenge) => ImapReplies.Continuation(base64Challenge);

    protected override string LoginFailedReply(LoginDecision decision) => ImapReplies.LoginFailed(_tag, decision.Message ?? "");

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<NextStep> GreetAsync()
    {
        await Client.SendAsync(ImapReplies.Greeting);
        return NextStep.Continue;
    }

    /// <summary>Reads until one whole command (or a protocol error) is at hand and handles it.</summary>
    // Pooled builder: each await that goes asynchronous would otherwise allocate a state-machine box per login (docs/performance/login-profile.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<NextStep> ReadCommandAsync()
    {
        var acknowledgedLiterals = 0;
        var limit = ClientBuffer;
        while (true)
        {
            var read = await Client.ReadAsync();
            var buffer = read.Buffer;
            var parsed = _parser.Parse(buffer, acknowledgedLiterals, limit);
            // An AUTHENTICATE XOAUTH2/OAUTHBEARER command, literal included, may be as long as sasl_oauth_buffer: parsed
            // again from its start under that limit, which then holds until the command is read (a command too long
            // for imap_client_buffer stays too long as more of it arrives).
            if (parsed.Status == ImapParseStatus.TooLong && limit < BearerLineLength
                && BearerTokenCommand.Starts(buffer, UsableBearerMechanisms, imap: true, complete: false))
            {
                limit = BearerLineLength;
                parsed = _parser.Parse(buffer, acknowledgedLiterals, limit);
            }
            switch (parsed.Status)
            {
                case ImapParseStatus.Incomplete:
                    // Everything was examined: the next read returns when more has arrived, and the parser resumes there.
                    Client.Input.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted) return NextStep.Close;
                    continue;

                case ImapParseStatus.NeedsContinuation:
                    Client.Input.AdvanceTo(buffer.Start, buffer.End);
                    acknowledgedLiterals++;
                    await Client.SendAsync(ImapReplies.LiteralContinuation);
                    continue;

                case ImapParseStatus.TooLong:
                    Client.Input.AdvanceTo(buffer.End);
                    LogTooLong();
                    await Client.SendAsync(ImapReplies.InvalidCommand(parsed.ReplyTag));
                    return CloseFor(SessionEnd.Refused);

                case ImapParseStatus.Invalid:
                    Client.Input.AdvanceTo(buffer.GetPosition(parsed.Consumed));
                    return await InvalidAsync(ImapReplies.InvalidCommand(parsed.ReplyTag), counts: true, closeAfter: parsed.CloseAfterReply);

                default:
                    Client.Input.AdvanceTo(buffer.GetPosition(parsed.Consumed));
                    return await HandleAsync(parsed.Command!);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NextStep> HandleAsync(ImapCommand command)
    {
        var args = command.Arguments;
        if (command.Name is "LOGIN" or "AUTHENTICATE" && StarttlsRequired)
        {
            // starttls only: nginx answers the invalid-command reply, not counted (src/mail/ngx_mail_ssl_module.c).
            return await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: false);
        }
        if (ImapStateTable.Find(ImapState.NotAuthenticated, command.Name) is not { } transition)
            return await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: true);
        switch (transition.Action)
        {
            case ImapAction.Capability when args.Count == 0:
                await Client.SendAsync((IsTls ? capabilities : capabilitiesBeforeTls) + ImapReplies.Completed(command.Tag));
                return NextStep.Continue;
            case ImapAction.Noop when args.Count == 0:
                await Client.SendAsync(ImapReplies.Completed(command.Tag));
                return NextStep.Continue;
            case ImapAction.Logout when args.Count == 0:
                await Client.SendAsync(ImapReplies.Bye + ImapReplies.Completed(command.Tag));
                return CloseFor(SessionEnd.Quit);
            case ImapAction.Id when args.Count == 1 && IsIdParameterList(args[0]):
                await Client.SendAsync(ImapReplies.IdNil + ImapReplies.Completed(command.Tag));
                return NextStep.Continue;
            case ImapAction.StartTls when args.Count == 0 && StarttlsOffered:
                return await StartTlsAsync(ImapReplies.Completed(command.Tag));
            case ImapAction.StartTls:
                // STARTTLS while off (or with arguments): nginx counts it like an unknown command.
                return await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: true);
            case ImapAction.Login:
                return await LoginAsync(command);
            case ImapAction.Authenticate:
                return await AuthenticateAsync(command);
            default:
                // Known command, wrong arguments: a handler rejection, which nginx does not count toward max_errors.
                return await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: false);
        }
    }

    /// <summary>LOGIN and AUTHENTICATE take strings only; a loop, not LINQ, so a login allocates no closure.</summary>
    private static bool HasList(IReadOnlyList<ImapArgument> args)
    {
        for (var i = 0; i < args.Count; i++)
            if (args[i].Kind == ImapArgumentKind.List) return true;
        return false;
    }

    /// <summary>RFC 2971: <c>ID NIL</c> or a list of field/value pairs.</summary>
    private static bool IsIdParameterList(ImapArgument argument) =>
        argument.IsNil || (argument.Kind == ImapArgumentKind.List && argument.Items.Count % 2 == 0);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NextStep> LoginAsync(ImapCommand command)
    {
        var args = command.Arguments;
        if (args.Count != 2 || args[0].Value.Length == 0 || HasList(args))
            return await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: false);
        if (!SaslDecoder.IsSafe(args[0].Value) || !SaslDecoder.IsSafe(args[1].Value))
            return await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: true);
        _tag = command.Tag;
        return await DecideAsync(new Credentials(AuthMethod.Plain, args[0].Text, args[1].Text), LoginMechanism.Login);
    }

    private async ValueTask<NextStep> AuthenticateAsync(ImapCommand command)
    {
        var args = command.Arguments;
        if (args.Count is < 1 or > 2 || HasList(args))
            return await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: false);
        var initial = args.Count == 2 ? args[1].Text : null;
        var sasl = await AuthenticateSaslAsync(args[0].Text, initial);
        _tag = command.Tag;
        return sasl.Status switch
        {
            SaslStatus.Done => await DecideAsync(sasl),
            SaslStatus.Closed => NextStep.Close,
            SaslStatus.Refused => await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: false),
            _ => await InvalidAsync(ImapReplies.InvalidCommand(command.Tag), counts: true),
        };
    }

    protected override Task<UpstreamLoginResult> LoginUpstreamAsync(
        UpstreamConnection upstream, string login, string password, UpstreamBearerLogin? bearer, LoginDecision decision, CancellationToken cancellationToken) =>
        ImapUpstreamLogin.LoginAsync(upstream, _tag, login, password, bearer, Settings.ProxyBuffer,
            upstream.Settings.ImapId ? ImapIdFields.Format(Connection) : null, cancellationToken);
}
