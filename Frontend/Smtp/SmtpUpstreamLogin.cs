using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// Logs in to the upstream SMTP server as nginx does (src/mail/ngx_mail_proxy_module.c): expect 220; <c>EHLO server_name</c>
/// (HELO when the client said HELO and xclient is off) → 250; with xclient and an upstream that offers it,
/// XCLIENT → 220/250 and the client's own HELO/EHLO replayed → 250; with proxy_smtp_auth AUTH PLAIN → 235 (for a
/// client's XOAUTH2/OAUTHBEARER login, <c>AUTH mechanism initial-response</c> (RFC 4954) when the last EHLO reply's AUTH
/// line offers the mechanism, a <c>334</c> error challenge answered <c>AQ==</c>, RFC 7628 §3.2.3); under
/// smtp_auth none the stored MAIL line → 250 and RCPT line, whose reply goes to the client whatever its code.
/// A SASL login is answered <c>235 2.0.0 OK</c> by the proxy itself. Every reply may be multi-line.
/// </summary>
internal static class SmtpUpstreamLogin
{
    /// <param name="upstream">The connected upstream, TLS already on under ProxySsl on.</param>
    /// <param name="plan">What to send: EHLO or HELO, XCLIENT, AUTH, and the stored MAIL and RCPT lines.</param>
    /// <param name="maxReplyLength">proxy_buffer: the longest reply accepted.</param>
    /// <param name="cancellationToken">Cancelled when the client leaves or <c>timeout</c> passes.</param>
    public static async Task<UpstreamLoginResult> LoginAsync(
        UpstreamConnection upstream, SmtpUpstreamPlan plan, int maxReplyLength, CancellationToken cancellationToken)
    {
        var dialogue = new Dialogue(upstream, maxReplyLength, cancellationToken);

        var reply = await dialogue.ReadAsync();
        if (reply.Code != 220) return Failed(reply);

        if (upstream.StartTlsPending)
        {
            // ProxySsl starttls (RFC 3207): EHLO, STARTTLS only if offered, 220, then the dialogue starts over with
            // EHLO below, as the RFC asks (what the server said before TLS is forgotten).
            reply = await dialogue.SendAsync($"EHLO {plan.ServerName}\r\n");
            if (reply.Code != 250 || !reply.HasExtension("STARTTLS"))
                throw new UpstreamTlsException($"upstream does not offer STARTTLS: {reply.TextWithoutLastLineEnd}");
            reply = await dialogue.SendAsync("STARTTLS\r\n");
            if (reply.Code != 220) throw new UpstreamTlsException($"upstream refused STARTTLS: {reply.TextWithoutLastLineEnd}");
            await upstream.StartTlsAsync(cancellationToken);
        }

        var ehlo = plan.Xclient || plan.ClientUsedEhlo;
        reply = await dialogue.SendAsync($"{(ehlo ? "EHLO" : "HELO")} {plan.ServerName}\r\n");
        if (reply.Code != 250) return Failed(reply);
        // The extensions the upstream offers this session: the last EHLO's (a replayed one's after XCLIENT).
        var extensions = reply;

        if (plan.Xclient && XclientCommand.OfferedAttributes(reply) is { } offered)
        {
            reply = await dialogue.SendAsync(XclientCommand.Build(plan, offered));
            if (reply.Code is not (220 or 250)) return Failed(reply);
            if (plan.ClientHelo is { } helo)
            {
                reply = await dialogue.SendAsync($"{(plan.ClientUsedEhlo ? "EHLO" : "HELO")} {helo}\r\n");
                if (reply.Code != 250) return Failed(reply);
                extensions = reply;
            }
        }

        if (plan.MailFrom is { } mailFrom)
        {
            reply = await dialogue.SendAsync(mailFrom + "\r\n");
            if (reply.Code != 250) return Failed(reply);
            reply = await dialogue.SendAsync(plan.RcptTo + "\r\n");
            return reply.Code == 0 ? Failed(reply) : new UpstreamLoginResult(true, reply.Text);
        }

        if (plan.ProxySmtpAuth && plan.Bearer is { PassesToken: true } bearer && OffersAuth(extensions, bearer.Mechanism))
        {
            // RFC 5321 §4.5.3.1.4: a command line is 512 octets, and Postfix's default line_length_limit (2048) cuts a
            // longer AUTH line, so a token that does not fit follows the empty 334 challenge (RFC 4954 §4).
            var message = bearer.InitialResponse(plan.Login);
            if (bearer.CommandWithInitialResponse(message, MaxCommandLine) is { } command) reply = await dialogue.SendAsync(command);
            else
            {
                reply = await dialogue.SendAsync($"AUTH {bearer.Mechanism}\r\n");
                if (reply.Code != 334) return Failed(reply);
                reply = await dialogue.SendAsync(message + "\r\n");
            }
            if (reply.Code == 334) reply = await dialogue.SendAsync(UpstreamBearerLogin.ErrorChallengeAnswer + "\r\n");
            return reply.Code == 235 ? new UpstreamLoginResult(true, SmtpReplies.AuthSucceeded) : Failed(reply);
        }

        if (plan.ProxySmtpAuth)
        {
            if (plan.Bearer is { } noWay && plan.Password.Length == 0) return UpstreamLoginResult.NotAttempted(noWay.NoPasswordReason);
            // nginx: "no password available" when the auth server gave none for proxy_smtp_auth.
            if (plan.Password.Length == 0) return UpstreamLoginResult.Failed("");
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{plan.Login}\0{plan.Password}"));
            reply = await dialogue.SendAsync($"AUTH PLAIN {plain}\r\n");
            if (reply.Code != 235) return Failed(reply);
        }

        return new UpstreamLoginResult(true, SmtpReplies.AuthSucceeded);
    }

    /// <summary>RFC 5321 §4.5.3.1.4: the longest command line, CRLF included.</summary>
    private const int MaxCommandLine = 512;

    /// <summary>Whether an EHLO reply's AUTH line (RFC 4954 §3) lists <paramref name="mechanism"/>.</summary>
    private static bool OffersAuth(SmtpReply ehlo, string mechanism)
    {
        foreach (var line in ehlo.Lines.Skip(1))
        {
            if (line.Length < 9 || !line.AsSpan(4).StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase)) continue;
            if (CapabilityWords.Contains(line.AsSpan(9), mechanism)) return true;
        }
        return false;
    }

    private static UpstreamLoginResult Failed(SmtpReply reply) => UpstreamLoginResult.Failed(reply.TextWithoutLastLineEnd);

    /// <summary>One command at a time, each followed by its reply.</summary>
    private sealed class Dialogue(IDuplexPipe upstream, int maxReplyLength, CancellationToken cancellationToken)
    {
        public Task<SmtpReply> ReadAsync() => SmtpReply.ReadAsync(upstream.Input, maxReplyLength, cancellationToken);

        public async Task<SmtpReply> SendAsync(string command)
        {
            upstream.Output.Write(Encoding.UTF8.GetBytes(command));
            await upstream.Output.FlushAsync(cancellationToken);
            return await ReadAsync();
        }
    }
}
