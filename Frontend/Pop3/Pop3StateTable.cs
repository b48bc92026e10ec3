using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Pop3;

/// <summary>Where a POP3 client stands before login: nginx's ngx_pop3_start and ngx_pop3_user (src/mail/ngx_mail_pop3_handler.c).</summary>
internal enum Pop3State
{
    /// <summary>The greeting, or any refusal since: every way to log in is open.</summary>
    Start,

    /// <summary>USER was accepted: PASS completes it (RFC 1939 §7).</summary>
    UserGiven,
}

/// <summary>What the session does for a command the table allows.</summary>
internal enum Pop3Action
{
    Capa,
    Noop,
    Quit,
    Stls,
    User,
    Pass,
    Apop,
    Auth,
}

/// <summary>
/// The POP3 commands allowed before login, state by state (after SmtpServer's SmtpStateTable), as nginx's
/// ngx_mail_pop3_auth_state allows them: each state lists its commands and the state each leads to. A command the
/// state does not list gets <c>-ERR invalid command</c> and the session starts again from <see cref="Pop3State.Start"/>;
/// <see cref="RefusalCounts"/> says whether max_errors counts it. Conditions that are settings or arguments
/// (starttls, APOP on, argument counts) stay with the session's actions.
/// </summary>
internal static class Pop3StateTable
{
    private static readonly CommandStateTable<Pop3State, Pop3Action> Table = new(
        [(Pop3Command.Capa, Pop3Action.Capa, null), (Pop3Command.Noop, Pop3Action.Noop, null), (Pop3Command.Quit, Pop3Action.Quit, null)],
        new Dictionary<Pop3State, (string, Pop3Action, Pop3State)[]>
        {
            [Pop3State.Start] =
            [
                (Pop3Command.Stls, Pop3Action.Stls, Pop3State.Start),
                (Pop3Command.User, Pop3Action.User, Pop3State.UserGiven),
                (Pop3Command.Apop, Pop3Action.Apop, Pop3State.Start),
                (Pop3Command.Auth, Pop3Action.Auth, Pop3State.Start),
            ],
            // Whatever the auth server decides, a retry after Auth-Wait starts again from USER.
            [Pop3State.UserGiven] = [(Pop3Command.Pass, Pop3Action.Pass, Pop3State.Start)],
        });

    /// <summary>The transition for <paramref name="command"/> (one of <see cref="Pop3Command"/>'s names) in <paramref name="state"/>; null when not allowed.</summary>
    public static Transition<Pop3State, Pop3Action>? Find(Pop3State state, string command) => Table.Find(state, command);

    /// <summary>
    /// A command out of its state is a handler rejection, which nginx does not count toward max_errors; STLS is
    /// counted like STARTTLS on IMAP and SMTP, as an unknown command.
    /// </summary>
    public static bool RefusalCounts(string command) => command == Pop3Command.Stls;
}
