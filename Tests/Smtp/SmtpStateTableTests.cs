using OrleansMail.Frontend.Smtp;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Smtp;

/// <summary>
/// <see cref="SmtpStateTable"/> as data: for every state and every command, the action and next state it allows, or
/// the reply it refuses with and whether max_errors counts it (src/mail/ngx_mail_smtp_handler.c). The session's
/// replies on the wire are proven by the SMTP transcript tests against Postfix (Tests/EndToEnd/SmtpTranscriptTests).
/// </summary>
public sealed class SmtpStateTableTests
{
    private const string OutOfSequence = "503 5.5.1 Bad sequence of commands, uncounted";
    private const string Refused = "500 5.5.1 Invalid command, uncounted";
    private const string Unknown = "500 5.5.1 Invalid command, counted";

    private static readonly string[] Commands =
        ["HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "DATA", "BDAT", "XCLIENT", "FOO"];

    private static readonly Dictionary<SmtpState, Dictionary<string, string>> Expected = new()
    {
        [SmtpState.Idle] = new()
        {
            ["HELO"] = "Hello -> Idle", ["EHLO"] = "Hello -> Idle", ["STARTTLS"] = "StartTls -> Idle", ["AUTH"] = "Auth -> Idle",
            ["MAIL"] = "Mail -> MailGiven", ["RCPT"] = OutOfSequence, ["RSET"] = "Reset -> Idle", ["NOOP"] = "Noop -> Idle",
            ["QUIT"] = "Quit -> Idle", ["VRFY"] = Refused, ["EXPN"] = Refused, ["HELP"] = Refused,
            ["DATA"] = Unknown, ["BDAT"] = Unknown, ["XCLIENT"] = Unknown, ["FOO"] = Unknown,
        },
        [SmtpState.MailGiven] = new()
        {
            ["HELO"] = "Hello -> Idle", ["EHLO"] = "Hello -> Idle", ["STARTTLS"] = "StartTls -> Idle", ["AUTH"] = "Auth -> MailGiven",
            ["MAIL"] = OutOfSequence, ["RCPT"] = "Rcpt -> MailGiven", ["RSET"] = "Reset -> Idle", ["NOOP"] = "Noop -> MailGiven",
            ["QUIT"] = "Quit -> MailGiven", ["VRFY"] = Refused, ["EXPN"] = Refused, ["HELP"] = Refused,
            ["DATA"] = Unknown, ["BDAT"] = Unknown, ["XCLIENT"] = Unknown, ["FOO"] = Unknown,
        },
    };

    private static string Describe(SmtpState state, string command)
    {
        if (SmtpStateTable.Find(state, command) is { } transition) return $"{transition.Action} -> {transition.Next}";
        var refusal = SmtpStateTable.Refusal(command);
        return $"{refusal.Reply.TrimEnd()}, {(refusal.Counts ? "counted" : "uncounted")}";
    }

    [Fact]
    public void EveryStateAndCommandIsAllowedOrGetsItsRefusal() => StateTableAssert.MatchesRows(Expected, Commands, Describe);

    [Fact]
    public void EveryActionIsReachableAndEveryStateEntered() =>
        StateTableAssert.EveryActionReachableAndEveryStateEntered<SmtpState, SmtpAction>(Commands, SmtpStateTable.Find);
}
