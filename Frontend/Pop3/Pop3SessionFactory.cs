using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Pop3;

/// <summary>
/// A POP3 listener: its settings and its CAPA and AUTH-list replies, built once; makes one <see cref="Pop3Session"/>
/// per connection.
/// </summary>
internal sealed class Pop3SessionFactory(ServerSettings settings) : ISessionFactory
{
    public ServerSettings Settings => settings;

    /// <summary>The CAPA reply (src/mail/ngx_mail_pop3_handler.c).</summary>
    public string Capa { get; } = Pop3Capabilities.BuildCapa(settings.Pop3);

    /// <summary>
    /// The CAPA reply while the connection is still plaintext (STLS; under starttls only, no USER/SASL; no bearer-token
    /// mechanisms unless sasl_oauth_plaintext).
    /// </summary>
    public string CapaBeforeTls { get; } = Pop3Capabilities.BuildCapa(Plaintext(settings), settings.Tls.Starttls);

    /// <summary>nginx's quirk, CAPA after USER without STLS, on a plaintext connection.</summary>
    public string CapaPlaintextAfterUser { get; } = Pop3Capabilities.BuildCapa(Plaintext(settings));

    /// <summary>The reply to AUTH without arguments.</summary>
    public string AuthList { get; } = Pop3Capabilities.BuildAuthList(settings.Pop3);

    /// <summary>The reply to AUTH without arguments on a plaintext connection.</summary>
    public string AuthListBeforeTls { get; } = Pop3Capabilities.BuildAuthList(Plaintext(settings));

    private static Pop3Settings Plaintext(ServerSettings settings) =>
        settings.Pop3 with { Auth = settings.SaslOAuth.Usable(settings.Pop3.Auth, tls: false) };

    /// <summary>nginx puts a salt in the greeting when <c>pop3_auth</c> lists apop or cram-md5.</summary>
    public bool GreetsWithSalt { get; } = settings.Pop3.Apop || settings.Pop3.Auth.HasFlag(SaslMechanisms.CramMd5);

    public MailSession CreateSession(ConnectionContext connection, SessionServices services) =>
        new Pop3Session(connection, settings, this, services, services.LoggerFactory.CreateLogger<Pop3Session>());
}
