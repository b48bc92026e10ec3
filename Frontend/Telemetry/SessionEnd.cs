namespace OrleansMail.Frontend.Telemetry;

/// <summary>
/// How a session ended: the <c>end</c> label of <c>orleansmail.session.duration</c> (relayed sessions: the first five)
/// and the last word of the session's closing log line (every session).
/// </summary>
internal enum SessionEnd
{
    /// <summary>The client closed the connection (during the relay, or before logging in).</summary>
    ClientClosed,

    /// <summary>The upstream closed its connection during the relay.</summary>
    UpstreamClosed,

    /// <summary><c>proxy_timeout</c> during the relay; <c>timeout</c> or <c>login_timeout</c> before it.</summary>
    Timeout,

    /// <summary>The process stopped (<c>worker_shutdown_timeout</c> passed) and cut the session off.</summary>
    Shutdown,

    /// <summary>An unexpected failure (a bug): the internal-error reply.</summary>
    Error,

    /// <summary>Before relay: the client said LOGOUT/QUIT.</summary>
    Quit,

    /// <summary>Before relay: the login was refused (failed, throttled, temporary failure) and the session closed.</summary>
    LoginFailed,

    /// <summary>Before relay: the login was allowed but the upstream could not be reached or refused the proxy's login.</summary>
    UpstreamFailed,

    /// <summary>Before relay: too many invalid commands, a too long command, or a refused client certificate.</summary>
    Refused,

    /// <summary>Before relay: the TLS handshake failed.</summary>
    TlsFailed,
}

internal static class SessionEndLabels
{
    public static string Label(this SessionEnd end) => end switch
    {
        SessionEnd.ClientClosed => "client_closed",
        SessionEnd.UpstreamClosed => "upstream_closed",
        SessionEnd.Timeout => "timeout",
        SessionEnd.Shutdown => "shutdown",
        SessionEnd.Error => "error",
        SessionEnd.Quit => "quit",
        SessionEnd.LoginFailed => "login_failed",
        SessionEnd.UpstreamFailed => "upstream_failed",
        SessionEnd.Refused => "refused",
        _ => "tls_failed",
    };
}
