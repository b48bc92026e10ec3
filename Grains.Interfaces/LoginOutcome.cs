namespace OrleansMail.Grains.Interfaces;

/// <summary>What the front end must do with a login attempt.</summary>
[GenerateSerializer, Alias("mail.LoginOutcome")]
public enum LoginOutcome
{
    /// <summary>Connect to the upstream and log in there.</summary>
    Allowed = 0,

    /// <summary>Refuse with the message; after <see cref="LoginDecision.Wait"/> if there is one, else close.</summary>
    Refused = 1,

    /// <summary>The decision could not be made (auth server down, slow or garbled): internal error, then close.</summary>
    InternalError = 2,

    /// <summary>
    /// Not decided yet: ask again after <see cref="LoginDecision.Wait"/>. Either another attempt for this login
    /// earned an Auth-Wait that has not passed, or the auth server answered <c>Auth-Status: WAIT</c>.
    /// The front end waits without holding the grain, so the grain is never blocked by a sleeping client.
    /// </summary>
    RetryLater = 3,

    /// <summary>
    /// The decision could not be made because the auth server (or the login grain) could not be reached in time:
    /// down, refusing connections, timing out or breaking the HTTP exchange, with no cached decision usable
    /// (stale-if-error). The front end sends the protocol's temporary-failure reply and closes, so the client
    /// retries later instead of treating it as a wrong password.
    /// </summary>
    TemporaryFailure = 4,

    /// <summary>
    /// The auth server allowed the login, but the login or the client address already holds as many sessions as the
    /// session limits allow (Dovecot's mail_max_userip_connections, cluster-wide). The front end answers as Dovecot
    /// does, with the protocol's temporary-failure code and <see cref="LoginDecision.Message"/>, and keeps the
    /// connection open for another attempt.
    /// </summary>
    SessionLimit = 5,
}
