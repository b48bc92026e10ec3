namespace OrleansMail.Frontend.Configuration;

/// <summary>IMAP-only settings of one listener (nginx's <c>imap_*</c> directives).</summary>
/// <param name="Auth"><c>imap_auth</c>: the mechanisms advertised as <c>AUTH=</c>. LOGIN and AUTHENTICATE PLAIN/LOGIN are always accepted, as in nginx.</param>
/// <param name="Capabilities"><c>imap_capabilities</c>: the CAPABILITY list before the AUTH= items.</param>
/// <param name="ClientBuffer"><c>imap_client_buffer</c>: the longest command, literals included.</param>
public sealed record ImapSettings(SaslMechanisms Auth, IReadOnlyList<string> Capabilities, int ClientBuffer);
