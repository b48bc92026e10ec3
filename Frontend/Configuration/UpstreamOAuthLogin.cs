namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// <c>proxy_oauth_login</c> (OrleansMail only; mail, server and <c>upstream ADDRESS {}</c>): how an XOAUTH2 or
/// OAUTHBEARER login logs in to the upstream (README "auth_http").
/// </summary>
public enum UpstreamOAuthLogin
{
    /// <summary>
    /// The client's mechanism with the client's token, for the upstream user (Auth-User, else the client's), when the
    /// upstream advertises the mechanism; otherwise the password login with the Auth-Pass the auth server returned.
    /// </summary>
    Token,

    /// <summary>Always the password login (IMAP LOGIN, POP3 USER/PASS, SMTP AUTH PLAIN) with the Auth-Pass the auth server returned.</summary>
    Password,
}
