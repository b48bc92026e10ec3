using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.ClientHost;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// One SMTP client from greeting to relay, as nginx's ngx_mail_smtp_handler.c runs it (src/mail/ngx_mail_smtp_handler.c): the
/// client's host name looked up before the greeting, smtp_greeting_delay, HELO/EHLO, AUTH, and under
/// <c>smtp_auth none</c> MAIL/RCPT as the login. The command loop, the decision and the relay are <see cref="MailSession"/>'s.
/// </summary>
internal sealed class SmtpSession(
    ConnectionContext connection,
    ServerSettings settings,
    string ehloReply,
    string ehloReplyBeforeTls,
    SessionServices services,
    ILogger logger) : MailSession(connection, settings, services, logger)
{
    private readonly IClientHostResolver _resolver = services.ClientHostResolver;

    /// <summary>The client's host name or nginx's placeholder: Client-Host and XCLIENT NAME.</summary>
    private string _clientHost = ClientHostNames.Unavailable;

    /// <summary>The HELO/EHLO argument: XCLIENT HELO, the replayed greeting and Auth-SMTP-Helo.</summary>
    private string? _helo;

    private bool _esmtp;

    /// <summary>Which commands <see cref="SmtpStateTable"/> allows now.</summary>
    private SmtpState _state = SmtpState.Idle;

    /// <summary>smtp_auth none: the whole MAIL line, kept across a refused RCPT (nginx-tests mail_smtp.t).</summary>
    private string? _mailFrom;

    /// <summary>
    /// smtp_auth none: the MAIL and RCPT lines of the login being decided, set only while its RCPT is decided and
    /// logged in upstream, where they are replayed. Null for a SASL login.
    /// </summary>
    private EnvelopeLines? _unauthenticatedLogin;

    protected override string InternalErrorReply => SmtpReplies.InternalError;

    protected override string ShuttingDownReply => SmtpReplies.ShuttingDown;

    protected override string CertificateErrorReply => SmtpReplies.CertificateError;

    protected override string NoCertificateReply => SmtpReplies.NoCertificate;

    protected override string TemporaryFailureReply => SmtpReplies.TemporaryFailure;

    protected override string SessionLimitReply(string message) => SmtpReplies.SessionLimit(message);

    protected override int ClientBuffer => Settings.Smtp.ClientBuffer;

    protected override SaslMechanisms AuthMechanisms => Settings.Smtp.Auth;

    protected override string TooLongReply => SmtpReplies.InvalidCommand;

    protected override string InvalidCommandReply => SmtpReplies.InvalidCommand;

    protected override string Continuation(string base64Challenge) => SmtpReplies.Continuation(base64Challenge);

    protected override string LoginFailedReply(LoginDecision decision) => SmtpReplies.LoginFailed(decision.SmtpErrorCode, decision.Message ?? "");

    protected override async ValueTask<NextStep> GreetAsync()
    {
        // The client is not read during the lookup: anything it sends waits in the pipe (src/mail/ngx_mail_smtp_handler.c).
        _clientHost = await _resolver.ResolveAsync(Connection.RemoteEndPoint, Settings.Smtp, Client.Closed);
        if (Settings.Smtp.GreetingDelay > TimeSpan.Zero)
        {
            switch (await WaitOutGreetingDelayAsync(Settings.Smtp.GreetingDelay))
            {
                case GreetingDelayOutcome.ClientLeft:
                    return NextStep.Close;
                case GreetingDelayOutcome.ClientSpokeFirst:
                    // RFC 5321 §4.3.1: the client waits for the greeting; one that does not is likely a spam bot.
                    await Client.SendAsync(SmtpReplies.InvalidPipelining);
                    return CloseFor(SessionEnd.Refused);
            }
        }
        await Client.SendAsync(SmtpReplies.Greeting(Settings.ServerName));
        return NextStep.Continue;
    }

    private enum GreetingDelayOutcome
    {
        Passed,
        ClientSpokeFirst,
        ClientLeft,
    }

    /// <summary>
    /// Watches the client for <paramref name="delay"/> without consuming anything: a timer cancels the pending read
    /// when the delay is over. Every outcome but <see cref="GreetingDelayOutcome.Passed"/> closes the session, so a
    /// timer that fires late can only cancel a read nobody makes any more.
    /// </summary>
    private async Task<GreetingDelayOutcome> WaitOutGreetingDelayAsync(TimeSpan delay)
    {
        using var timer = Time.CreateTimer(static input => ((System.IO.Pipelines.PipeReader)input!).CancelPendingRead(),
            Client.Input, delay, Timeout.InfiniteTimeSpan);
        var read = await Client.Input.ReadAsync(Client.Closed);
        Client.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        if (!read.Buffer.IsEmpty) return GreetingDelayOutcome.ClientSpokeFirst;
        return read.IsCompleted ? GreetingDelayOutcome.ClientLeft : GreetingDelayOutcome.Passed;
    }

    protected override async ValueTask<NextStep> ReadCommandAsync()
    {
        var (status, command) = await ReadCommandLineAsync(SmtpCommandParser.Parse);
        if (status == LineStatus.Closed) return NextStep.Close;
        if (status == LineStatus.TooLong) return await TooLongAsync();
        if (command is null) return await InvalidAsync(SmtpReplies.InvalidCommand, counts: true);

        // starttls only refuses before the state is looked at (src/mail/ngx_mail_smtp_handler.c).
        if (command.Name == "AUTH" && StarttlsRequired) return await InvalidAsync(SmtpReplies.InvalidCommand, counts: false);
        if (command.Name is "MAIL" or "RCPT" && StarttlsRequired && Settings.Smtp.AllowUnauthenticated)
        {
            // Beyond nginx, which checks starttls only at AUTH alone (src/mail/ngx_mail_smtp_handler.c; the fix,
            // github.com/nginx/nginx/pull/705, is open): smtp_auth none must not let mail in before TLS either.
            return await InvalidAsync(SmtpReplies.StarttlsFirst, counts: false);
        }
        if (SmtpStateTable.Find(_state, command.Name) is not { } transition)
        {
            var refusal = SmtpStateTable.Refusal(command.Name);
            return await InvalidAsync(refusal.Reply, refusal.Counts);
        }
        switch (transition.Action)
        {
            case SmtpAction.Hello:
                return await HelloAsync(command, transition.Next);
            case SmtpAction.StartTls when command.Arguments.Count == 0 && StarttlsOffered:
                // RFC 3207 §4.2: the client forgets what the server said and the server what the client said.
                _helo = _mailFrom = null;
                _esmtp = false;
                _state = transition.Next;
                return await StartTlsAsync(SmtpReplies.StartTls);
            case SmtpAction.StartTls:
                // STARTTLS while off (or with arguments): unknown to nginx's parser, counted.
                return await InvalidAsync(SmtpReplies.InvalidCommand, counts: true);
            case SmtpAction.Auth:
                return await AuthAsync(command);
            case SmtpAction.Mail:
                return await MailAsync(command, transition.Next);
            case SmtpAction.Rcpt:
                return await RcptAsync(command);
            case SmtpAction.Reset:
                _mailFrom = null;
                _state = transition.Next;
                await Client.SendAsync(SmtpReplies.Ok);
                return NextStep.Continue;
            case SmtpAction.Noop:
                await Client.SendAsync(SmtpReplies.Ok);
                return NextStep.Continue;
            default:
                await Client.SendAsync(SmtpReplies.Bye);
                return CloseFor(SessionEnd.Quit);
        }
    }

    private async ValueTask<NextStep> HelloAsync(SmtpCommand command, SmtpState next)
    {
        if (command.Arguments.Count != 1) return await InvalidAsync(SmtpReplies.InvalidArgument, counts: false);
        // A new greeting starts a new transaction (RFC 5321 §4.1.4).
        _helo = command.Arguments[0];
        _esmtp = command.Name == "EHLO";
        _mailFrom = null;
        _state = next;
        await Client.SendAsync(_esmtp ? IsTls ? ehloReply : ehloReplyBeforeTls : SmtpReplies.Helo(Settings.ServerName));
        return NextStep.Continue;
    }

    private async ValueTask<NextStep> AuthAsync(SmtpCommand command)
    {
        var args = command.Arguments;
        if (args.Count == 0) return await InvalidAsync(SmtpReplies.InvalidArgument, counts: false);
        if (args.Count > 2) return await InvalidAsync(SmtpReplies.InvalidCommand, counts: false);
        var sasl = await AuthenticateSaslAsync(args[0], args.Count == 2 ? args[1] : null);
        return sasl.Status switch
        {
            SaslStatus.Done => await DecideAsync(sasl),
            SaslStatus.Closed => NextStep.Close,
            SaslStatus.Refused => await InvalidAsync(SmtpReplies.InvalidCommand, counts: false),
            _ => await InvalidAsync(SmtpReplies.InvalidCommand, counts: true),
        };
    }

    private async ValueTask<NextStep> MailAsync(SmtpCommand command, SmtpState next)
    {
        if (!Settings.Smtp.AllowUnauthenticated) return await InvalidAsync(SmtpReplies.AuthenticationRequired, counts: false);
        if (command.Arguments.Count == 0) return await InvalidAsync(SmtpReplies.InvalidArgument, counts: false);
        _mailFrom = command.Line;
        _state = next;
        await Client.SendAsync(SmtpReplies.Ok);
        return NextStep.Continue;
    }

    private async ValueTask<NextStep> RcptAsync(SmtpCommand command)
    {
        if (command.Arguments.Count == 0) return await InvalidAsync(SmtpReplies.InvalidArgument, counts: false);
        _unauthenticatedLogin = new EnvelopeLines(_mailFrom!, command.Line!);
        // CVE-2025-53859: fresh, empty credentials; nothing from an earlier failed AUTH can reach this request.
        var next = await DecideAsync(new Credentials(AuthMethod.None, "", ""), LoginMechanism.None);
        // Refused with Auth-Wait: MAIL stays accepted and another RCPT may follow (nginx-tests mail_smtp.t).
        _unauthenticatedLogin = null;
        return next;
    }

    /// <summary>SMTP adds the client's host name, and under smtp_auth none the envelope (Auth-SMTP-*).</summary>
    protected override LoginAttempt CreateAttempt(Credentials credentials, int attemptNumber) =>
        base.CreateAttempt(credentials, attemptNumber) with
        {
            ClientHost = _clientHost,
            Smtp = _unauthenticatedLogin is { } envelope ? new SmtpEnvelope(_helo ?? "", envelope.MailFrom, envelope.RcptTo) : null,
        };

    protected override Task<UpstreamLoginResult> LoginUpstreamAsync(
        UpstreamConnection upstream, string login, string password, UpstreamBearerLogin? bearer, LoginDecision decision, CancellationToken cancellationToken)
    {
        // smtp_auth none: MAIL and RCPT are replayed upstream; a SASL login has neither.
        var plan = new SmtpUpstreamPlan(Settings.ServerName, _helo, _esmtp, Settings.Smtp.Xclient, Settings.Smtp.ProxySmtpAuth,
            Client.ClientIp, Connection.RemoteEndPoint, Connection.LocalEndPoint, _clientHost, login, password,
            _unauthenticatedLogin?.MailFrom, _unauthenticatedLogin?.RcptTo, bearer);
        return SmtpUpstreamLogin.LoginAsync(upstream, plan, Settings.ProxyBuffer, cancellationToken);
    }

    /// <summary>The MAIL and RCPT command lines of an smtp_auth none login, as the client sent them.</summary>
    private sealed record EnvelopeLines(string MailFrom, string RcptTo);
}
