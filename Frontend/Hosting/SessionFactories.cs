using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Imap;
using OrleansMail.Frontend.Pop3;
using OrleansMail.Frontend.Smtp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Hosting;

/// <summary>The one place a listener's protocol picks its session type.</summary>
internal static class SessionFactories
{
    public static ISessionFactory For(ServerSettings server) => server.Protocol switch
    {
        MailProtocol.Imap => new ImapSessionFactory(server),
        MailProtocol.Pop3 => new Pop3SessionFactory(server),
        MailProtocol.Smtp => new SmtpSessionFactory(server),
        _ => throw new InvalidOperationException($"protocol {server.Protocol} has no listener"),
    };
}
