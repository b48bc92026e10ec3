using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Imap;
using OrleansMail.Frontend.Pop3;
using OrleansMail.Frontend.Smtp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Hosting;

/// <summary>The one place a listener's protocol picks its session type.</summary>
internal static class Listeners
{
    public static IListenerFeature For(ServerSettings server) => server.Protocol switch
    {
        MailProtocol.Imap => new ImapListener(server),
        MailProtocol.Pop3 => new Pop3Listener(server),
        MailProtocol.Smtp => new SmtpListener(server),
        _ => throw new InvalidOperationException($"protocol {server.Protocol} has no listener"),
    };
}
