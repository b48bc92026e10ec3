namespace OrleansMail.Frontend.Smtp;

/// <summary>One parsed SMTP command line.</summary>
/// <param name="Name">The command name, upper-cased (letters only).</param>
/// <param name="Arguments">The space-separated arguments.</param>
/// <param name="Line">
/// The whole line without its line end, for MAIL and RCPT only (they are kept and replayed upstream as sent);
/// null for every other command.
/// </param>
internal sealed record SmtpCommand(string Name, IReadOnlyList<string> Arguments, string? Line);
