using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Smtp;

/// <summary>An SMTP listener: its settings and its EHLO reply, built once; makes one <see cref="SmtpSession"/> per connection.</summary>
internal sealed class SmtpSessionFactory(ServerSettings settings) : ISessionFactory
{
    private readonly string _ehloReply = SmtpEhloReply.Build(settings.ServerName, settings.Smtp);
    private readonly string _ehloReplyBeforeTls = SmtpEhloReply.Build(
        settings.ServerName, settings.Smtp with { Auth = settings.SaslOAuth.Usable(settings.Smtp.Auth, tls: false) }, settings.Tls.Starttls);

    public ServerSettings Settings => settings;

    public MailSession CreateSession(ConnectionContext connection, SessionServices services) =>
        new SmtpSession(connection, settings, _ehloReply, _ehloReplyBeforeTls, services, services.LoggerFactory.CreateLogger<SmtpSession>());
}
