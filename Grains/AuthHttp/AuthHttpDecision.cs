using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// The end-of-headers decision of <c>ngx_mail_auth_http_process_headers</c>, in nginx's order
/// (src/mail/ngx_mail_auth_http_module.c): error status, then WAIT, then OK with its server/port/password checks.
/// </summary>
internal static class AuthHttpDecision
{
    /// <summary>
    /// nginx re-sends immediately on WAIT without Auth-Wait, so an auth server that always answers WAIT makes it spin
    /// (src/mail/ngx_mail_auth_http_module.c, ngx_mail_auth_http_process_headers: with no Auth-Wait the sleep is 0 and
    /// ngx_mail_auth_http_init runs again at once). We never retry sooner than this.
    /// </summary>
    public static readonly TimeSpan WaitFloor = TimeSpan.FromSeconds(1);

    /// <summary>Maps a parsed reply to the decision for <paramref name="attempt"/>.</summary>
    /// <param name="attempt">The login attempt the auth server was asked about.</param>
    /// <param name="response">The auth server's reply headers, parsed.</param>
    /// <param name="poolAvailable">
    /// The protocol has an upstream pool (OrleansMail only): an OK without Auth-Server and Auth-Port is then allowed
    /// with no upstream, and the login grain chooses one from the pool; nginx fails such a login.
    /// </param>
    public static LoginDecision Decide(LoginAttempt attempt, AuthHttpResponse response, bool poolAvailable = false)
    {
        // Before anything: a value that would carry a control character into a reply, an upstream command or a log
        // line makes the answer invalid (nginx's internal-error reply), whatever it says.
        if (ControlCharacterIn(response) is { } header)
        {
            return LoginDecision.InternalError($"auth http server sent a control character in {header}");
        }

        // 1. Error status: refuse; Auth-Wait > 0 means "wait, show the error, let the client retry" instead of closing.
        if (response.Error is { } error)
        {
            TimeSpan? wait = response.WaitSeconds is int s and > 0 ? AuthHttpLimits.Wait(s) : null;
            // A bearer login's refusal may carry RFC 7628's error for the client (freenginx 1.27.1); any other method's never.
            return LoginDecision.Refuse(error, wait, ValidErrorCode(response.ErrorCode)) with { SaslError = SaslError(attempt, response) };
        }

        // 2. WAIT: ask again later, same attempt number.
        if (response.Wait)
        {
            var wait = AuthHttpLimits.Wait(response.WaitSeconds ?? 0);
            return LoginDecision.RetryAfter(wait < WaitFloor ? WaitFloor : wait);
        }

        // nginx treats a reply without any Auth-Status like OK; we refuse to log anyone in on a reply that says nothing.
        if (!response.Ok)
        {
            return LoginDecision.InternalError("auth http server did not send Auth-Status");
        }

        // 3. OK. An error for the client's SASL exchange in a success makes no sense: freenginx fails the login too
        // ("auth http server returned SASL error to auth success").
        if (SaslError(attempt, response) is not null)
        {
            return LoginDecision.InternalError("auth server returned a SASL error to a successful login");
        }

        if (string.IsNullOrEmpty(response.Server) || string.IsNullOrEmpty(response.Port))
        {
            // OrleansMail: with a pool, an OK that names no upstream at all lets the login grain choose one.
            if (poolAvailable && string.IsNullOrEmpty(response.Server) && string.IsNullOrEmpty(response.Port))
            {
                return TryPassword(attempt, response, out var poolPassword)
                    ? new LoginDecision(LoginOutcome.Allowed, UpstreamLogin: response.User ?? attempt.Login, UpstreamPassword: poolPassword)
                    : LoginDecision.InternalError("auth http server did not send password");
            }

            return LoginDecision.InternalError("auth http server did not send server or port");
        }

        if (AuthHttpServerAddress.Normalize(response.Server) is not { } host)
        {
            return LoginDecision.InternalError("auth http server sent invalid server address");
        }

        if (!AuthHttpResponseParser.TryParseDigits(response.Port, out var port) || port is < 1 or > 65535)
        {
            return LoginDecision.InternalError("auth http server sent invalid port");
        }

        return TryPassword(attempt, response, out var password)
            ? new LoginDecision(LoginOutcome.Allowed, host, port, response.User ?? attempt.Login, password)
            : LoginDecision.InternalError("auth http server did not send password");
    }

    /// <summary>The first header whose value holds a control character, or null.</summary>
    private static string? ControlCharacterIn(AuthHttpResponse response) =>
        AuthHttpLimits.HasControlCharacter(response.Error) ? AuthHttpNames.Status
        : AuthHttpLimits.HasControlCharacter(response.User) ? AuthHttpNames.User
        : AuthHttpLimits.HasControlCharacter(response.Pass) ? AuthHttpNames.Pass
        : AuthHttpLimits.HasControlCharacter(response.ErrorCode) ? AuthHttpNames.ErrorCode
        : AuthHttpLimits.HasControlCharacter(response.Server) ? AuthHttpNames.Server
        : null;

    /// <summary>The password for the upstream login; false when there is none to give and the login cannot go on.</summary>
    private static bool TryPassword(LoginAttempt attempt, AuthHttpResponse response, out string? password)
    {
        if (attempt.Method.IsBearerToken())
        {
            // Auth-Pass as returned (a master or app password for proxy_oauth_login's password login), or none: never
            // the token, which the front end still holds and passes on itself, so no decision (cached ones included)
            // ever carries a token.
            password = response.Pass;
            return true;
        }

        // Only a plain login still knows the client's clear-text password; APOP/CRAM-MD5 carried a digest and
        // EXTERNAL nothing, so the auth server must supply Auth-Pass (nginx forgets the secret, CVE-2026-27651).
        // SMTP needs one only for proxy_smtp_auth, which the front end checks when it logs in upstream.
        password = response.Pass ?? (attempt.Method == AuthMethod.Plain ? attempt.Secret : null)
            ?? (attempt.Protocol == MailProtocol.Smtp ? string.Empty : null);
        return password is not null;
    }

    /// <summary>The reply's <c>Auth-Error-SASL</c> when the login is a bearer one and the value is usable, else null.</summary>
    private static string? SaslError(LoginAttempt attempt, AuthHttpResponse response) =>
        attempt.Method.IsBearerToken() && AuthHttpSaslError.IsValid(response.SaslError) ? response.SaslError : null;

    /// <summary>
    /// The error code goes verbatim into an SMTP reply line, so accept only printable ASCII ("451 4.3.0");
    /// anything else falls back to the front end's default (535 5.7.0).
    /// </summary>
    private static string? ValidErrorCode(string? code) =>
        code is { Length: > 0 and <= 64 } && !code.AsSpan().ContainsAnyExceptInRange(' ', '~') ? code : null;
}
