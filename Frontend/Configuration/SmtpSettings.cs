namespace OrleansMail.Frontend.Configuration;

/// <summary>SMTP-only settings of one listener (nginx's <c>smtp_*</c>, <c>xclient</c>, <c>proxy_smtp_auth</c>, <c>resolver</c>).</summary>
/// <param name="Auth"><c>smtp_auth</c>: the mechanisms listed in the EHLO AUTH line. AUTH PLAIN/LOGIN are always accepted.</param>
/// <param name="AllowUnauthenticated"><c>smtp_auth none</c>: MAIL FROM and RCPT TO go to the auth server without credentials.</param>
/// <param name="Capabilities"><c>smtp_capabilities</c>: the EHLO lines before AUTH and STARTTLS.</param>
/// <param name="ClientBuffer"><c>smtp_client_buffer</c>: the longest command line.</param>
/// <param name="GreetingDelay"><c>smtp_greeting_delay</c>: wait before the greeting; a client that talks first is refused.</param>
/// <param name="Xclient"><c>xclient</c>: send XCLIENT to the upstream (on by default).</param>
/// <param name="ProxySmtpAuth"><c>proxy_smtp_auth</c>: log in to the upstream with AUTH PLAIN.</param>
/// <param name="Resolver">
/// <c>resolver</c>: the DNS servers for the client's PTR lookup (<c>Client-Host</c>, XCLIENT <c>NAME</c>); empty means
/// <c>resolver off</c>, and the host is then <c>[UNAVAILABLE]</c> as in nginx.
/// </param>
/// <param name="ResolverTimeout"><c>resolver_timeout</c>: the DNS deadline.</param>
public sealed record SmtpSettings(
    SaslMechanisms Auth,
    bool AllowUnauthenticated,
    IReadOnlyList<string> Capabilities,
    int ClientBuffer,
    TimeSpan GreetingDelay,
    bool Xclient,
    bool ProxySmtpAuth,
    IReadOnlyList<System.Net.IPEndPoint> Resolver,
    TimeSpan ResolverTimeout);
