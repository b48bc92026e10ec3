using OrleansMail.Frontend.Sessions;

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

/// <summary>
/// The IMAP commands allowed before login, state by state (after SmtpServer's SmtpStateTable), as nginx's
/// ngx_mail_imap_auth_state allows them (src/mail/ngx_mail_imap_handler.c), plus ID (RFC 2971). A command the state
/// does not list gets <c>BAD invalid command</c>, counted by max_errors. Conditions that are settings or arguments
/// (starttls, argument forms) stay with the session's actions.
/// </summary>
internal static class ImapStateTable
{
    private static readonly CommandStateTable<ImapState, ImapAction> Table = new([], new Dictionary<ImapState, (string, ImapAction, ImapState)[]>
    {
        [ImapState.NotAuthenticated] =
        [
            ("CAPABILITY", ImapAction.Capability, ImapState.NotAuthenticated),
            ("NOOP", ImapAction.Noop, ImapState.NotAuthenticated),
            ("LOGOUT", ImapAction.Logout, ImapState.Logout),
            ("ID", ImapAction.Id, ImapState.NotAuthenticated),
            // RFC 9051 §6.2.1: after TLS the client starts again, still not authenticated.
            ("STARTTLS", ImapAction.StartTls, ImapState.NotAuthenticated),
            // A refused login leaves the client where it was; an accepted one hands it to the upstream.
            ("LOGIN", ImapAction.Login, ImapState.NotAuthenticated),
            ("AUTHENTICATE", ImapAction.Authenticate, ImapState.NotAuthenticated),
        ],
    });

    /// <summary>The transition for <paramref name="command"/> (an upper-case name) in <paramref name="state"/>; null when not allowed.</summary>
    public static Transition<ImapState, ImapAction>? Find(ImapState state, string command) => Table.Find(state, command);
}
