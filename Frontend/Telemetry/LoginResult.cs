using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Telemetry;

/// <summary>How one login attempt ended: the <c>result</c> label of <c>orleansmail.logins</c> and <c>orleansmail.login.duration</c>.</summary>
internal enum LoginResult
{
    /// <summary>Logged in upstream; the relay starts.</summary>
    Ok,

    /// <summary>The auth server refused the login.</summary>
    Failed,

    /// <summary>Refused (or made to wait) by the grains' own brute-force rules (<see cref="LoginDecision.ThrottledBy"/>).</summary>
    Throttled,

    /// <summary>No decision could be made (auth server or login grain unreachable): the temporary-failure reply.</summary>
    TemporaryFailure,

    /// <summary>Allowed, but a concurrent-session limit is reached.</summary>
    SessionLimit,

    /// <summary>Allowed, but the upstream could not be reached or refused the proxy's login.</summary>
    UpstreamFailure,
}

internal static class LoginResultLabels
{
    public static string Label(this LoginResult result) => result switch
    {
        LoginResult.Ok => "ok",
        LoginResult.Failed => "failed",
        LoginResult.Throttled => "throttled",
        LoginResult.TemporaryFailure => "temporary_failure",
        LoginResult.SessionLimit => "session_limit",
        _ => "upstream_failure",
    };

    /// <summary>The result of a decision that ends the attempt without an upstream (any outcome but Allowed).</summary>
    public static LoginResult Of(LoginDecision decision) => decision switch
    {
        { ThrottledBy: not null } => LoginResult.Throttled,
        { Outcome: LoginOutcome.Refused } => LoginResult.Failed,
        { Outcome: LoginOutcome.SessionLimit } => LoginResult.SessionLimit,
        _ => LoginResult.TemporaryFailure,
    };
}
