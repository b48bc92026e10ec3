namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// Maps a login to the key of its <see cref="IUserLoginGrain"/>: the one key that throttling, Auth-Wait and session
/// limits count under. The auth server is still sent the login exactly as the client gave it.
/// </summary>
public static class LoginGrainKey
{
    /// <summary>
    /// The normalised login: trimmed, and case-folded unless <paramref name="loginCase"/> is
    /// <see cref="LoginCase.Sensitive"/>, so <c>Alice</c>, <c>alice</c> and <c>alice </c> are one login. An empty
    /// login gets a key of its own, since Orleans string keys must not be empty. Normalising a key again gives the
    /// same key.
    /// </summary>
    public static string For(string login, LoginCase loginCase)
    {
        var trimmed = login.Trim();
        if (trimmed.Length == 0) return "\u0000empty";
        return loginCase == LoginCase.Sensitive ? trimmed : trimmed.ToLowerInvariant();
    }

    /// <summary>
    /// The key for an attempt: its normalised login, except for two methods whose "login" is not a user's:
    /// <list type="bullet">
    /// <item>SMTP <c>smtp_auth none</c> has no login; keyed by the client's address, so one sender's Auth-Wait does
    /// not hold up every unauthenticated sender in the cluster, and unauthenticated mail is not decided one message
    /// at a time through a single grain.</item>
    /// <item>SASL EXTERNAL (RFC 4422 appendix A) proves a client certificate, usually with an empty authorization
    /// identity; keyed by the certificate's fingerprint and the identity, so certificate logins are not serialised
    /// through one shared grain and one certificate's failures never count against another's.</item>
    /// </list>
    /// </summary>
    public static string For(LoginAttempt attempt, LoginCase loginCase) => attempt.Method switch
    {
        AuthMethod.None => "\u0000none " + attempt.ClientIp,
        AuthMethod.External => "\u0000external " + (attempt.Tls?.Fingerprint ?? "") + " " + For(attempt.Login, loginCase),
        _ => For(attempt.Login, loginCase),
    };
}
