using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Imap;

/// <summary>An IMAP listener: its settings and its CAPABILITY line, built once; makes one <see cref="ImapSession"/> per connection.</summary>
internal sealed class ImapSessionFactory(ServerSettings settings) : ISessionFactory
{
    private readonly string _capabilities = ImapCapabilities.Build(settings.Imap);
    private readonly string _capabilitiesBeforeTls = ImapCapabilities.Build(
        settings.Imap with { Auth = settings.SaslOAuth.Usable(settings.Imap.Auth, tls: false) }, settings.Tls.Starttls);

    public ServerSettings Settings => settings;

    public MailSession CreateSession(ConnectionContext connection, SessionServices services) =>
        new ImapSession(connection, settings, _capabilities, _capabilitiesBeforeTls, services, services.LoggerFactory.CreateLogger<ImapSession>());
}
