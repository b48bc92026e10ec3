namespace OrleansMail.Grains.Interfaces;

/// <summary>The whole answer to one <see cref="LoginAttempt"/>, in one call.</summary>
/// <param name="Outcome">What the front end does: relay, refuse, wait, or which failure reply to send.</param>
/// <param name="UpstreamHost">Auth-Server (or the pool's choice) when allowed.</param>
/// <param name="UpstreamPort">Auth-Port (or the pool's choice) when allowed.</param>
/// <param name="UpstreamLogin">The login for the upstream: Auth-User, else the client's.</param>
/// <param name="UpstreamPassword">The password for the upstream: Auth-Pass, else the client's.</param>
/// <param name="Message">The text of the refusal (Auth-Status), or why no decision could be made (for the log).</param>
/// <param name="Wait">Auth-Wait: after a refusal, when the client may try again (null: close); when to ask again.</param>
/// <param name="SmtpErrorCode">Auth-Error-Code: the SMTP reply code and enhanced status of a refusal.</param>
/// <param name="Delay">
/// Brute-force throttling: how long the front end waits before sending a refusal (escalates with distinct wrong
/// secrets); independent of <paramref name="Wait"/>, which also decides whether the client may try again.
/// </param>
/// <param name="Session">
/// An allowed login's slot under the session limits, which the front end holds while the session runs; null when no
/// limit is configured or the attempt named no <see cref="LoginAttempt.FrontEnd"/>.
/// </param>
/// <param name="SessionLeaseTtl">How long <paramref name="Session"/> lives unless renewed.</param>
/// <param name="UpstreamFallbacks">
/// Set only when the upstream came from a pool (README "UpstreamPools"): the next upstreams to try, best first
/// (host:port), when connecting to <paramref name="UpstreamHost"/> fails; the front end also reports that failure to
/// the upstream's grain. Null when the auth server chose the upstream (nginx: no fallback, no report).
/// </param>
/// <param name="SaslError">
/// A refused bearer-token login (XOAUTH2, OAUTHBEARER): the auth server's <c>Auth-Error-SASL</c>, base64 of RFC 7628's
/// JSON error (§3.2.2), which the front end sends as a last challenge before the failure reply (RFC 7628 §3.2.3).
/// Null otherwise.
/// </param>
/// <param name="ThrottledBy">
/// Set when this refusal or wait comes from the grains' own brute-force rules rather than from the auth server: the
/// rule's name (the bounded set of the <c>rule</c> label of <c>orleansmail.throttle.engagements</c>, README
/// "Observability"), so that the front end counts the login as throttled. Null otherwise.
/// </param>
[GenerateSerializer, Immutable, Alias("mail.LoginDecision")]
public sealed record LoginDecision(
    [property: Id(0)] LoginOutcome Outcome,
    [property: Id(1)] string? UpstreamHost = null,
    [property: Id(2)] int UpstreamPort = 0,
    [property: Id(3)] string? UpstreamLogin = null,
    [property: Id(4)] string? UpstreamPassword = null,
    [property: Id(5)] string? Message = null,
    [property: Id(6)] TimeSpan? Wait = null,
    [property: Id(7)] string? SmtpErrorCode = null,
    [property: Id(8)] TimeSpan? Delay = null,
    [property: Id(9)] SessionLease? Session = null,
    [property: Id(10)] TimeSpan SessionLeaseTtl = default,
    [property: Id(11)] string[]? UpstreamFallbacks = null,
    [property: Id(12)] string? ThrottledBy = null,
    [property: Id(13)] string? SaslError = null)
{
    public static LoginDecision Allow(string host, int port, string login, string password) =>
        new(LoginOutcome.Allowed, host, port, login, password);

    public static LoginDecision Refuse(string message, TimeSpan? wait, string? smtpErrorCode) =>
        new(LoginOutcome.Refused, Message: message, Wait: wait, SmtpErrorCode: smtpErrorCode);

    public static LoginDecision InternalError(string reason) =>
        new(LoginOutcome.InternalError, Message: reason);

    public static LoginDecision TemporaryFailure(string reason) =>
        new(LoginOutcome.TemporaryFailure, Message: reason);

    /// <summary>The auth server allowed the login, but a session limit is reached; <paramref name="message"/> says which.</summary>
    public static LoginDecision OverSessionLimit(string message) =>
        new(LoginOutcome.SessionLimit, Message: message);

    public static LoginDecision RetryAfter(TimeSpan wait) =>
        new(LoginOutcome.RetryLater, Wait: wait);

    /// <summary>Never print the upstream password.</summary>
    public override string ToString() =>
        $"LoginDecision {{ Outcome = {Outcome}, Upstream = {UpstreamHost}:{UpstreamPort}, UpstreamLogin = {UpstreamLogin}, Message = {Message}, Wait = {Wait}, SmtpErrorCode = {SmtpErrorCode}, ThrottledBy = {ThrottledBy}, Delay = {Delay}, Session = {Session?.LeaseId}, UpstreamFallbacks = {(UpstreamFallbacks is null ? "" : string.Join(' ', UpstreamFallbacks))} }}";
}
