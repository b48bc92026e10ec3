namespace OrleansMail.Frontend.Configuration;

/// <summary>POP3-only settings of one listener (nginx's <c>pop3_*</c> directives).</summary>
/// <param name="Auth">
/// <c>pop3_auth</c> as SASL mechanisms: <c>plain</c> advertises PLAIN and LOGIN, plus CRAM-MD5 / EXTERNAL when listed.
/// USER/PASS and AUTH PLAIN/LOGIN are always accepted, as in nginx.
/// </param>
/// <param name="Apop"><c>pop3_auth apop</c>: APOP is accepted. With APOP or CRAM-MD5 the greeting carries the salt.</param>
/// <param name="Capabilities"><c>pop3_capabilities</c>: the CAPA lines before SASL and STLS.</param>
/// <param name="ClientBuffer">
/// <c>pop3_client_buffer</c>, beyond nginx: the longest command. nginx's fixed 128 bytes cuts long passwords and
/// bearer tokens off; the default here is 4 KB.
/// </param>
public sealed record Pop3Settings(SaslMechanisms Auth, bool Apop, IReadOnlyList<string> Capabilities, int ClientBuffer);
