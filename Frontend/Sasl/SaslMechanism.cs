namespace OrleansMail.Frontend.Sasl;

/// <summary>A SASL mechanism a client named in AUTHENTICATE / AUTH (nginx-mail.md §3.1).</summary>
internal enum SaslMechanism
{
    Plain,
    Login,
    CramMd5,
    External,
}
