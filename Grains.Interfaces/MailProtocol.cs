namespace OrleansMail.Grains.Interfaces;

/// <summary>The mail protocol a client speaks; sent to the auth server as <c>Auth-Protocol</c>.</summary>
[GenerateSerializer, Alias("mail.MailProtocol")]
public enum MailProtocol
{
    Imap = 0,
    Pop3 = 1,
    Smtp = 2,
}
