using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Smtp;

/// <summary>Where an SMTP client stands before login: whether a MAIL (smtp_auth none) has been accepted.</summary>
internal enum SmtpState
{
    /// <summary>No mail transaction: after the greeting, HELO/EHLO, RSET or STARTTLS (RFC 5321 §4.1.4, RFC 3207 §4.2).</summary>
    Idle,

    /// <summary>MAIL was accepted (smtp_auth none): RCPT is the login, and a second MAIL is out of sequence.</summary>
    MailGiven,
}

/// <summary>What the session does for a command the table allows.</summary>
internal enum SmtpAction
{
    Hello,
    StartTls,
    Auth,
    Mail,
    Rcpt,
    Reset,
    Noop,
    Quit,
}

/// <summary>The reply to a command the current state does not allow, and whether max_errors counts it.</summary>
internal readonly record struct SmtpRefusal(string Reply, bool Counts);

/// <summary>
/// The SMTP commands allowed before login, state by state (after SmtpServer's SmtpStateTable), as nginx's
/// ngx_mail_smtp_handler.c allows them: each state lists its commands and the state each leads to. A command the
/// state does not list gets <see cref="Refusal"/>. Conditions that are settings, not states (starttls, smtp_auth),
/// stay with the session's actions.
/// </summary>
internal static class SmtpStateTable
{
    private static readonly CommandStateTable<SmtpState, SmtpAction> Table = new(
        [
            // A new greeting, TLS and RSET each start afresh (RFC 5321 §4.1.4, RFC 3207 §4.2); NOOP, AUTH and QUIT
            // leave the state as it is.
            ("HELO", SmtpAction.Hello, SmtpState.Idle),
            ("EHLO", SmtpAction.Hello, SmtpState.Idle),
            ("STARTTLS", SmtpAction.StartTls, SmtpState.Idle),
            ("RSET", SmtpAction.Reset, SmtpState.Idle),
            ("AUTH", SmtpAction.Auth, null),
            ("NOOP", SmtpAction.Noop, null),
            ("QUIT", SmtpAction.Quit, null),
        ],
        new Dictionary<SmtpState, (string, SmtpAction, SmtpState)[]>
        {
            [SmtpState.Idle] = [("MAIL", SmtpAction.Mail, SmtpState.MailGiven)],
            // Refused with Auth-Wait, the RCPT leaves MAIL accepted and another RCPT may follow (nginx-tests mail_smtp.t).
            [SmtpState.MailGiven] = [("RCPT", SmtpAction.Rcpt, SmtpState.MailGiven)],
        });

    /// <summary>The transition for <paramref name="command"/> (an upper-case name) in <paramref name="state"/>; null when not allowed.</summary>
    public static Transition<SmtpState, SmtpAction>? Find(SmtpState state, string command) => Table.Find(state, command);

    /// <summary>
    /// nginx's answer to a command the state does not allow: MAIL twice or RCPT before MAIL is out of sequence;
    /// VRFY, EXPN and HELP are known to its parser and refused by its handler, uncounted; anything else (DATA, BDAT,
    /// XCLIENT, unknown words) is a parser rejection that max_errors counts (src/mail/ngx_mail_smtp_handler.c,
    /// src/mail/ngx_mail_parse.c).
    /// </summary>
    public static SmtpRefusal Refusal(string command) => command switch
    {
        "MAIL" or "RCPT" => new(SmtpReplies.BadSequence, Counts: false),
        "VRFY" or "EXPN" or "HELP" => new(SmtpReplies.InvalidCommand, Counts: false),
        _ => new(SmtpReplies.InvalidCommand, Counts: true),
    };
}
