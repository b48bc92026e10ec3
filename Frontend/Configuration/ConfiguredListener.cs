namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// One listener as the configuration gives it: its settings, and the text of every key they were read from (the
/// mail-level keys and its own server's), which tells a reload whether the listener changed. The settings records
/// hold lists, which records compare by reference, so the keys are the reliable comparison.
/// </summary>
/// <param name="Settings">The listener's settings, its server's over the mail-level ones.</param>
/// <param name="Fingerprint">The keys and values the settings were read from, compared by a reload.</param>
/// <param name="Section">Its server's section, <c>Mail:Servers:N</c>: where an error opening it is reported.</param>
public sealed record ConfiguredListener(ServerSettings Settings, string Fingerprint, string Section);
