namespace OrleansMail.Grains.Interfaces;

/// <summary>Maps a login to the key of its <see cref="IUserLoginGrain"/>.</summary>
public static class LoginGrainKey
{
    /// <summary>
    /// The login as sent, so the auth server's notion of identity is kept; an empty login (EXTERNAL with no
    /// identity) gets a key of its own, since Orleans string keys must not be empty.
    /// </summary>
    public static string For(string login) => login.Length == 0 ? "\u0000empty" : login;
}
