using System.Collections.Frozen;

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

/// <summary>A command the table allows: what the session does, and the state it is in once that succeeds.</summary>
internal readonly record struct Pop3Transition(Pop3Action Action, Pop3State Next);

/// <summary>
/// The POP3 commands allowed before login, state by state (after SmtpServer's SmtpStateTable), as nginx's
/// ngx_mail_pop3_auth_state allows them: each state lists its commands and the state each leads to. A command the
/// state does not list gets <c>-ERR invalid command</c> and the session starts again from <see cref="Pop3State.Start"/>;
/// <see cref="RefusalCounts"/> says whether max_errors counts it. Conditions that are settings or arguments
/// (starttls, APOP on, argument counts) stay with the session's actions.
/// </summary>
internal static class Pop3StateTable
{
    private static readonly FrozenDictionary<Pop3State, FrozenDictionary<string, Pop3Transition>> Table =
        new Dictionary<Pop3State, FrozenDictionary<string, Pop3Transition>>
        {
            [Pop3State.Start] = Commands(Pop3State.Start,
                (Pop3Command.Stls, new(Pop3Action.Stls, Pop3State.Start)),
                (Pop3Command.User, new(Pop3Action.User, Pop3State.UserGiven)),
                (Pop3Command.Apop, new(Pop3Action.Apop, Pop3State.Start)),
                (Pop3Command.Auth, new(Pop3Action.Auth, Pop3State.Start))),
            [Pop3State.UserGiven] = Commands(Pop3State.UserGiven,
                // Whatever the auth server decides, a retry after Auth-Wait starts again from USER.
                (Pop3Command.Pass, new(Pop3Action.Pass, Pop3State.Start))),
        }.ToFrozenDictionary();

    /// <summary>The commands every state allows (they leave it as it is), plus <paramref name="own"/>.</summary>
    private static FrozenDictionary<string, Pop3Transition> Commands(Pop3State state, params (string Name, Pop3Transition Transition)[] own)
    {
        var commands = new Dictionary<string, Pop3Transition>
        {
            [Pop3Command.Capa] = new(Pop3Action.Capa, state),
            [Pop3Command.Noop] = new(Pop3Action.Noop, state),
            [Pop3Command.Quit] = new(Pop3Action.Quit, state),
        };
        foreach (var (name, transition) in own) commands[name] = transition;
        return commands.ToFrozenDictionary();
    }

    /// <summary>The transition for <paramref name="command"/> (one of <see cref="Pop3Command"/>'s names) in <paramref name="state"/>; null when not allowed.</summary>
    public static Pop3Transition? Find(Pop3State state, string command) =>
        Table[state].TryGetValue(command, out var transition) ? transition : null;

    /// <summary>
    /// A command out of its state is a handler rejection, which nginx does not count toward max_errors; STLS is
    /// counted like STARTTLS on IMAP and SMTP, as an unknown command.
    /// </summary>
    public static bool RefusalCounts(string command) => command == Pop3Command.Stls;
}
