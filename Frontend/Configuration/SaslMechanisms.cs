namespace OrleansMail.Frontend.Configuration;

/// <summary>The SASL mechanisms nginx knows (nginx-mail.md §3.1); which ones a listener advertises.</summary>
[Flags]
public enum SaslMechanisms
{
    None = 0,
    Plain = 1,
    Login = 2,
    CramMd5 = 4,
    External = 8,
}
