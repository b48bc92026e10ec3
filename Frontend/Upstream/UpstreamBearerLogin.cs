using System.Text;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// How a client's XOAUTH2 or OAUTHBEARER login logs in upstream (<c>proxy_oauth_login</c>, README "auth_http"): with
/// <see cref="UpstreamOAuthLogin.Token"/>, the client's mechanism and token for the upstream user when the upstream
/// advertises the mechanism; otherwise, and always with <see cref="UpstreamOAuthLogin.Password"/>, the protocol's
/// password login with the Auth-Pass the auth server returned, and none returned is a failed upstream login.
/// </summary>
/// <param name="Method">The client's mechanism.</param>
/// <param name="Token">The client's bearer token: a secret, never printed.</param>
/// <param name="Mode">The upstream's <c>proxy_oauth_login</c>.</param>
internal sealed record UpstreamBearerLogin(AuthMethod Method, string Token, UpstreamOAuthLogin Mode)
{
    /// <summary>RFC 7628 §3.2.3: the client's answer to an error challenge (a single 0x01), which ends the exchange with a failure.</summary>
    public const string ErrorChallengeAnswer = "AQ==";

    /// <summary>The upstream login of a client that logged in with <paramref name="method"/>, or null when that is not a bearer token.</summary>
    public static UpstreamBearerLogin? For(AuthMethod method, string secret, UpstreamSettings upstream) =>
        method.IsBearerToken() ? new UpstreamBearerLogin(method, secret, upstream.OAuthLogin) : null;

    /// <summary>The SASL mechanism's name, as advertised (IMAP <c>AUTH=</c>, POP3 <c>SASL</c>, SMTP <c>AUTH</c>).</summary>
    public string Mechanism => Method == AuthMethod.XOAuth2 ? "XOAUTH2" : "OAUTHBEARER";

    /// <summary>The token is passed on when the upstream advertises <see cref="Mechanism"/>.</summary>
    public bool PassesToken => Mode == UpstreamOAuthLogin.Token;

    /// <summary>
    /// The client message for <paramref name="user"/>, base64: XOAUTH2 <c>user=U^Aauth=Bearer T^A^A</c>
    /// (developers.google.com/gmail/imap/xoauth2-protocol), OAUTHBEARER <c>n,a=U,^Aauth=Bearer T^A^A</c> (RFC 7628 §3.1)
    /// with the GS2 header's <c>,</c> and <c>=</c> escaped as <c>=2C</c> and <c>=3D</c> (RFC 5801 §4).
    /// </summary>
    public string InitialResponse(string user)
    {
        var message = Method == AuthMethod.XOAuth2
            ? $"user={user}\u0001auth=Bearer {Token}\u0001\u0001"
            : $"n,a={user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},\u0001auth=Bearer {Token}\u0001\u0001";
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(message));
    }

    /// <summary>
    /// The <c>AUTH</c> command for the upstream with <paramref name="message"/> on its line when the whole line fits in
    /// <paramref name="maxCommandLine"/> octets; null when the message must follow the server's empty challenge instead
    /// (RFC 4954 §4 and RFC 5034 §4 allow both forms).
    /// </summary>
    public string? CommandWithInitialResponse(string message, int maxCommandLine)
    {
        var command = $"AUTH {Mechanism} {message}\r\n";
        return command.Length <= maxCommandLine ? command : null;
    }

    /// <summary>Why there is no way in when the password login is needed and the auth server returned no Auth-Pass (logged, EventId 1030).</summary>
    public string NoPasswordReason => PassesToken
        ? $"the upstream does not advertise {Mechanism} and the auth server returned no Auth-Pass for a password login"
        : "proxy_oauth_login is password and the auth server returned no Auth-Pass";

    /// <summary>Never print the token.</summary>
    public override string ToString() => $"UpstreamBearerLogin {{ Mechanism = {Mechanism}, Mode = {Mode} }}";
}
