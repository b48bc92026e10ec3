using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Auth;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Sasl;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// One IMAP client from greeting to relay: the not-authenticated state of RFC 9051 as nginx implements it
/// (nginx-mail.md §3.2), then the upstream login and the byte relay. Commands are handled one at a time in
/// order; while a login is being decided nothing more is read, so pipelined input waits in the pipe and goes
/// to the upstream after login.
/// </summary>
internal sealed partial class ImapSession(
    ConnectionContext connection,
    ServerSettings settings,
    string capabilities,
    LoginDecider decider,
    UpstreamConnector connector,
    RelayIdleMonitor relayMonitor,
    TimeProvider time,
    ILogger logger)
{
    private readonly ClientChannel _client = new(connection, settings.Timeout);
    private int _errors;
    private int _attempts;

    /// <summary>What the command loop does after a command.</summary>
    private enum Next { Continue, Close, Relay }

    private UpstreamConnection? _upstream;

    public async Task RunAsync()
    {
        try
        {
            await _client.SendAsync(ImapReplies.Greeting);
            var next = Next.Continue;
            while (next == Next.Continue) next = await ReadCommandAsync();
            if (next == Next.Relay)
                await RelaySession.RunAsync(connection.Transport, _upstream!, settings.ProxyTimeout, relayMonitor);
        }
        catch (OperationCanceledException)
        {
            LogClosed("timed out or disconnected");
        }
        catch (Exception e) when (e is IOException or ConnectionResetException)
        {
            LogClosed(e.GetType().Name);
        }
        catch (Exception e)
        {
            // A bug must cost one session, never the process: tell the client and close.
            LogSessionFailed(e);
            await TrySendAsync(ImapReplies.InternalError);
        }
        finally
        {
            if (_upstream is not null) await _upstream.DisposeAsync();
            _client.Dispose();
        }
    }

    private async Task TrySendAsync(string reply)
    {
        try { await _client.SendAsync(reply); }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException) { }
    }

    /// <summary>Reads until one whole command (or a protocol error) is at hand and handles it.</summary>
    private async Task<Next> ReadCommandAsync()
    {
        var acknowledgedLiterals = 0;
        while (true)
        {
            var read = await _client.ReadAsync();
            var buffer = read.Buffer;
            var parsed = ImapCommandParser.Parse(buffer, acknowledgedLiterals, settings.Imap.ClientBuffer);
            switch (parsed.Status)
            {
                case ImapParseStatus.Incomplete:
                    _client.Input.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted) return Next.Close;
                    continue;

                case ImapParseStatus.NeedsContinuation:
                    _client.Input.AdvanceTo(buffer.Start, buffer.End);
                    acknowledgedLiterals++;
                    await _client.SendAsync(ImapReplies.LiteralContinuation);
                    continue;

                case ImapParseStatus.TooLong:
                    _client.Input.AdvanceTo(buffer.End);
                    LogTooLong();
                    await _client.SendAsync(ImapReplies.InvalidCommand(parsed.ReplyTag));
                    return Next.Close;

                case ImapParseStatus.Invalid:
                    _client.Input.AdvanceTo(buffer.GetPosition(parsed.Consumed));
                    return await InvalidAsync(parsed.ReplyTag, counts: true, closeAfter: parsed.CloseAfterReply);

                default:
                    _client.Input.AdvanceTo(buffer.GetPosition(parsed.Consumed));
                    return await HandleAsync(parsed.Command!);
            }
        }
    }

    private async Task<Next> HandleAsync(ImapCommand command)
    {
        var args = command.Arguments;
        switch (command.Name)
        {
            case "CAPABILITY" when args.Count == 0:
                await _client.SendAsync(capabilities + ImapReplies.Completed(command.Tag));
                return Next.Continue;
            case "NOOP" when args.Count == 0:
                await _client.SendAsync(ImapReplies.Completed(command.Tag));
                return Next.Continue;
            case "LOGOUT" when args.Count == 0:
                await _client.SendAsync(ImapReplies.Bye + ImapReplies.Completed(command.Tag));
                return Next.Close;
            case "ID" when args.Count == 1 && IsIdParameterList(args[0]):
                await _client.SendAsync(ImapReplies.IdNil + ImapReplies.Completed(command.Tag));
                return Next.Continue;
            case "LOGIN":
                return await LoginAsync(command);
            case "AUTHENTICATE":
                return await AuthenticateAsync(command);
            case "CAPABILITY" or "NOOP" or "LOGOUT" or "ID":
                // Known command, wrong arguments: a handler rejection, which nginx does not count toward max_errors.
                return await InvalidAsync(command.Tag, counts: false);
            default:
                // Unknown to the pre-login parser (SELECT, ENABLE, STARTTLS while off, ...): nginx counts these.
                return await InvalidAsync(command.Tag, counts: true);
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

    private async Task<Next> LoginAsync(ImapCommand command)
    {
        var args = command.Arguments;
        if (args.Count != 2 || args[0].Value.Length == 0 || HasList(args))
            return await InvalidAsync(command.Tag, counts: false);
        if (!SaslDecoder.IsSafe(args[0].Value) || !SaslDecoder.IsSafe(args[1].Value))
            return await InvalidAsync(command.Tag, counts: true);
        return await DecideAsync(command.Tag, new Credentials(AuthMethod.Plain, args[0].Text, args[1].Text));
    }

    private async Task<Next> AuthenticateAsync(ImapCommand command)
    {
        var args = command.Arguments;
        if (args.Count is < 1 or > 2 || HasList(args))
            return await InvalidAsync(command.Tag, counts: false);
        var initial = args.Count == 2 ? args[1].Text : null;
        var mechanism = SaslDecoder.ParseMechanism(args[0].Text);
        var enabled = settings.Imap.Auth;

        // nginx always accepts PLAIN and LOGIN; CRAM-MD5 and EXTERNAL only when imap_auth lists them.
        Credentials? credentials = null;
        var decoded = mechanism switch
        {
            SaslMechanism.Plain => await PlainAsync(initial),
            SaslMechanism.Login => await LoginMechanismAsync(initial),
            SaslMechanism.CramMd5 when enabled.HasFlag(SaslMechanisms.CramMd5) && initial is null => await CramMd5Async(),
            SaslMechanism.External when enabled.HasFlag(SaslMechanisms.External) => await ExternalAsync(initial),
            _ => (SaslStep.Refused, null),
        };
        (var step, credentials) = decoded;
        return step switch
        {
            SaslStep.Done => await DecideAsync(command.Tag, credentials!),
            SaslStep.Closed => Next.Close,
            // An unknown or disabled mechanism (or CRAM-MD5 with an initial response) is a handler rejection in
            // nginx, which max_errors does not count (nginx-mail.md §3.1); counting it let a client that merely
            // probes mechanisms be disconnected.
            SaslStep.Refused => await InvalidAsync(command.Tag, counts: false),
            _ => await InvalidAsync(command.Tag, counts: true),
        };
    }

    private enum SaslStep { Done, Invalid, Refused, Closed }

    private async Task<(SaslStep, Credentials?)> PlainAsync(string? initial)
    {
        var response = initial ?? await ChallengeAsync("");
        if (response is null) return (SaslStep.Closed, null);
        return SaslDecoder.TryDecodePlain(response, out var credentials) ? (SaslStep.Done, credentials) : (SaslStep.Invalid, null);
    }

    private async Task<(SaslStep, Credentials?)> LoginMechanismAsync(string? initial)
    {
        // RFC-less but universal: "Username:" then "Password:"; a Microsoft-style initial response carries the user.
        var userResponse = initial ?? await ChallengeAsync(SaslDecoder.UsernamePrompt);
        if (userResponse is null) return (SaslStep.Closed, null);
        if (!SaslDecoder.TryDecodeText(userResponse, out var user) || user.Length == 0) return (SaslStep.Invalid, null);
        var passResponse = await ChallengeAsync(SaslDecoder.PasswordPrompt);
        if (passResponse is null) return (SaslStep.Closed, null);
        if (!SaslDecoder.TryDecodeText(passResponse, out var password)) return (SaslStep.Invalid, null);
        return (SaslStep.Done, new Credentials(AuthMethod.Plain, user, password));
    }

    private async Task<(SaslStep, Credentials?)> CramMd5Async()
    {
        var salt = SaltGenerator.Create(settings.ServerName, time);
        var response = await ChallengeAsync(Convert.ToBase64String(Encoding.ASCII.GetBytes(salt)));
        if (response is null) return (SaslStep.Closed, null);
        return SaslDecoder.TryDecodeCramMd5(response, salt, out var credentials) ? (SaslStep.Done, credentials) : (SaslStep.Invalid, null);
    }

    private async Task<(SaslStep, Credentials?)> ExternalAsync(string? initial)
    {
        var response = initial ?? await ChallengeAsync(SaslDecoder.UsernamePrompt);
        if (response is null) return (SaslStep.Closed, null);
        return SaslDecoder.TryDecodeExternal(response, out var credentials) ? (SaslStep.Done, credentials) : (SaslStep.Invalid, null);
    }

    /// <summary>Sends a continuation and reads the client's one-line answer; null when the client left or the line is too long.</summary>
    private async Task<string?> ChallengeAsync(string challenge)
    {
        await _client.SendAsync(ImapReplies.Continuation(challenge));
        var (status, line) = await LineReader.ReadLineAsync(_client.Input, settings.Imap.ClientBuffer, _client.ReadAsync);
        if (status == LineStatus.TooLong)
        {
            LogTooLong();
            await _client.SendAsync(ImapReplies.InvalidCommand("*"));
        }
        return status == LineStatus.Line ? line : null;
    }

    private async Task<Next> DecideAsync(string tag, Credentials credentials)
    {
        _attempts++;
        var attempt = new LoginAttempt(
            MailProtocol.Imap, credentials.Method, credentials.Login, credentials.Secret, credentials.Salt,
            _client.ClientIp, _attempts, Tls: null, settings.AuthHttp);
        var decision = await decider.DecideAsync(attempt, settings.Timeout, _client.Closed);
        switch (decision.Outcome)
        {
            case LoginOutcome.Allowed:
                return await ConnectUpstreamAsync(tag, credentials.Login, decision);

            case LoginOutcome.Refused when decision.Wait is { } wait && wait > TimeSpan.Zero:
                // nginx: wait Auth-Wait without reading the client, then send the error; the client may try again.
                LogLoginFailed(credentials.Login, decision.Message ?? "");
                await Task.Delay(wait, time, _client.Closed);
                await _client.SendAsync(ImapReplies.LoginFailed(tag, decision.Message ?? ""));
                return Next.Continue;

            case LoginOutcome.Refused:
                LogLoginFailed(credentials.Login, decision.Message ?? "");
                await _client.SendAsync(ImapReplies.LoginFailed(tag, decision.Message ?? ""));
                return Next.Close;

            default:
                LogInternalError(credentials.Login, decision.Message ?? "");
                await _client.SendAsync(ImapReplies.InternalError);
                return Next.Close;
        }
    }

    private async Task<Next> ConnectUpstreamAsync(string tag, string clientLogin, LoginDecision decision)
    {
        var upstreamName = $"{decision.UpstreamHost}:{decision.UpstreamPort}";
        ImapUpstreamLoginResult result;
        try
        {
            _upstream = await connector.ConnectAsync(decision.UpstreamHost!, decision.UpstreamPort, settings.Timeout, _client.Closed);
            result = await ImapUpstreamLogin.LoginAsync(
                _upstream, tag, decision.UpstreamLogin ?? clientLogin, decision.UpstreamPassword ?? "",
                settings.ProxyBuffer, settings.Timeout, _client.Closed);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ConnectionResetException
                                  && !_client.Closed.IsCancellationRequested)
        {
            LogUpstreamFailed(upstreamName, e.GetType().Name);
            result = new ImapUpstreamLoginResult(false, "");
        }

        if (!result.Succeeded)
        {
            LogUpstreamFailed(upstreamName, "login refused or broken dialogue");
            // proxy_pass_error_message: show the upstream's own error instead of the generic one (nginx-mail.md §1).
            var reply = settings.ProxyPassErrorMessage && result.Reply.Length > 0 ? result.Reply : ImapReplies.InternalError;
            await _client.SendAsync(reply);
            return Next.Close;
        }

        LogLoggedIn(clientLogin, upstreamName);
        await _client.SendAsync(result.Reply);
        return Next.Relay;
    }

    private async Task<Next> InvalidAsync(string tag, bool counts, bool closeAfter = false)
    {
        await _client.SendAsync(ImapReplies.InvalidCommand(tag));
        // max_errors counts parse-level rejections only; the nth error is still answered, then the connection closes.
        if (counts && ++_errors >= settings.MaxErrors && settings.MaxErrors > 0)
        {
            LogTooManyErrors(_errors);
            return Next.Close;
        }
        return closeAfter ? Next.Close : Next.Continue;
    }
}
