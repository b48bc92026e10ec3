using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Imap;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Hosting;

/// <summary>The one place a listener's protocol picks its session type.</summary>
internal static class Listeners
{
    public static IListenerFeature For(ServerSettings server) => server.Protocol switch
    {
        MailProtocol.Imap => new ImapListener(server),
        MailProtocol.Smtp => new Smtp.SmtpListener(server),
        _ => throw new InvalidOperationException($"protocol {server.Protocol} has no listener"),
    };
}
