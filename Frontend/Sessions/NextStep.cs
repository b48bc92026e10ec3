namespace OrleansMail.Frontend.Sessions;

/// <summary>What a session's command loop does after handling a command.</summary>
internal enum NextStep
{
    /// <summary>Read the next command.</summary>
    Continue,

    /// <summary>Close the connection (QUIT, LOGOUT, a refused login, too many errors, ...).</summary>
    Close,

    /// <summary>The upstream login succeeded: relay bytes from now on.</summary>
    Relay,
}
