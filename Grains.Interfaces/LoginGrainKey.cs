namespace OrleansMail.Grains.Interfaces;

/// <summary>Maps a login to the key of its <see cref="IUserLoginGrain"/>.</summary>
public static class LoginGrainKey
{
    /// <summary>
    /// The login as sent, so the auth server's notion of identity is kept; an empty login (EXTERNAL with no
    /// identity) gets a key of its own, since Orleans string keys must not be empty.
    /// </summary>
    public static string For(string login) => login.Length == 0 ? "\u0000empty" : login;

    /// <summary>
    /// The key for an attempt: its login, except SMTP <c>smtp_auth none</c>, which has no login; keyed by the client's
    /// address instead, so one sender's Auth-Wait does not hold up every unauthenticated sender in the cluster, and
    /// unauthenticated mail is not decided one message at a time through a single grain.
    /// </summary>
    public static string For(LoginAttempt attempt) =>
        attempt.Method == AuthMethod.None ? "\u0000none " + attempt.ClientIp : For(attempt.Login);
}
