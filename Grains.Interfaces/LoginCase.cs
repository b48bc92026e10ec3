namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// Whether two logins that differ only in letter case are one login for the login policy (<c>login_case</c>). Most
/// mail systems treat <c>Alice</c> and <c>alice</c> as one mailbox, so counting them apart would give an attacker
/// as many throttling budgets as a login has case variants.
/// </summary>
[GenerateSerializer, Alias("mail.LoginCase")]
public enum LoginCase
{
    /// <summary>Case-folded (the default).</summary>
    Insensitive = 0,

    /// <summary>Kept as sent (only surrounding spaces are trimmed).</summary>
    Sensitive = 1,
}
