namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// How a listener takes the bearer-token mechanisms, XOAUTH2 and OAUTHBEARER (OrleansMail's own directives; freenginx
/// 1.27.1 has neither).
/// </summary>
/// <param name="Plaintext">
/// <c>sasl_oauth_plaintext</c>: off (the default) = neither advertised nor accepted before TLS, since a bearer token is
/// a password good for every service of its audience; the command then gets the reply a disabled mechanism gets.
/// </param>
/// <param name="Buffer">
/// <c>sasl_oauth_buffer</c>: the longest AUTHENTICATE/AUTH line, initial response or continuation line of these
/// mechanisms (tokens of several kilobytes are common), whatever <c>imap_client_buffer</c>, <c>pop3_client_buffer</c>
/// or <c>smtp_client_buffer</c>, which still bound every other line.
/// </param>
public sealed record SaslOAuthSettings(bool Plaintext, int Buffer)
{
    public static SaslOAuthSettings Default { get; } = new(false, 16 * 1024);

    /// <summary>The bearer-token mechanisms among <see cref="SaslMechanisms"/>.</summary>
    public const SaslMechanisms BearerMechanisms = SaslMechanisms.XOAuth2 | SaslMechanisms.OAuthBearer;

    /// <summary>
    /// What a listener enabling <paramref name="enabled"/> offers and accepts on a connection that is
    /// <paramref name="tls"/> or not.
    /// </summary>
    public SaslMechanisms Usable(SaslMechanisms enabled, bool tls) => tls || Plaintext ? enabled : enabled & ~BearerMechanisms;
}
