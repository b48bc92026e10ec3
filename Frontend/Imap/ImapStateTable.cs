using System.Collections.Frozen;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// The IMAP states the proxy serves (RFC 9051 §3): the client is not authenticated until the upstream accepts its
/// login, when the relay takes over; LOGOUT ends the session.
/// </summary>
internal enum ImapState
{
    NotAuthenticated,
    Logout,
}

/// <summary>What the session does for a command the table allows.</summary>
internal enum ImapAction
{
    Capability,
    Noop,
    Logout,
    Id,
    StartTls,
    Login,
    Authenticate,
}

/// <summary>A command the table allows: what the session does, and the state it is in once that succeeds.</summary>
internal readonly record struct ImapTransition(ImapAction Action, ImapState Next);

/// <summary>
/// The IMAP commands allowed before login, state by state (after SmtpServer's SmtpStateTable), as nginx's
/// ngx_mail_imap_auth_state allows them (src/mail/ngx_mail_imap_handler.c), plus ID (RFC 2971). A command the state
/// does not list gets <c>BAD invalid command</c>, counted by max_errors. Conditions that are settings or arguments
/// (starttls, argument forms) stay with the session's actions.
/// </summary>
internal static class ImapStateTable
{
    private static readonly FrozenDictionary<ImapState, FrozenDictionary<string, ImapTransition>> Table =
        new Dictionary<ImapState, FrozenDictionary<string, ImapTransition>>
        {
            [ImapState.NotAuthenticated] = new Dictionary<string, ImapTransition>
            {
                ["CAPABILITY"] = new(ImapAction.Capability, ImapState.NotAuthenticated),
                ["NOOP"] = new(ImapAction.Noop, ImapState.NotAuthenticated),
                ["LOGOUT"] = new(ImapAction.Logout, ImapState.Logout),
                ["ID"] = new(ImapAction.Id, ImapState.NotAuthenticated),
                // RFC 9051 §6.2.1: after TLS the client starts again, still not authenticated.
                ["STARTTLS"] = new(ImapAction.StartTls, ImapState.NotAuthenticated),
                // A refused login leaves the client where it was; an accepted one hands it to the upstream.
                ["LOGIN"] = new(ImapAction.Login, ImapState.NotAuthenticated),
                ["AUTHENTICATE"] = new(ImapAction.Authenticate, ImapState.NotAuthenticated),
            }.ToFrozenDictionary(),
            [ImapState.Logout] = FrozenDictionary<string, ImapTransition>.Empty,
        }.ToFrozenDictionary();

    /// <summary>The transition for <paramref name="command"/> (an upper-case name) in <paramref name="state"/>; null when not allowed.</summary>
    public static ImapTransition? Find(ImapState state, string command) =>
        Table[state].TryGetValue(command, out var transition) ? transition : null;
}
