using System.Collections;
using System.Net;
using System.Text;
using OrleansMail.Grains.Logging;

namespace OrleansMail.Frontend.Logging;

/// <summary>
/// What every log line of one mail session carries, as nginx's ngx_mail_log_error (src/mail/ngx_mail_handler.c)
/// appends it: the connection number (<c>*N</c>), <c>client: ADDR</c> (with <c> using starttls</c> after STARTTLS),
/// <c>server: ADDR</c>, then <c>login: "LOGIN"</c> and <c>upstream: ADDR</c> once known. The session opens it as its
/// logging scope; the nginx error_log writes it in nginx's layout and every other logger gets the same fields as
/// structured properties (ConnectionNumber, Client, Server, Login, Upstream). Values are escaped by <see cref="LogValue"/>.
/// </summary>
public sealed class MailLogContext : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>The EventId of the session's first line, <c>*N client ADDR:PORT connected to SERVER</c>.</summary>
    public const int ConnectedEventId = 1001;

    private static long _connections;
    private string? _login;

    public MailLogContext(string client, IPEndPoint server)
    {
        ConnectionNumber = Interlocked.Increment(ref _connections);
        Client = client;
        Server = server;
    }

    /// <summary>The process-wide connection counter, nginx's <c>*N</c> (nginx counts its auth_http connections too).</summary>
    public long ConnectionNumber { get; }

    /// <summary>The client's address (after PROXY protocol and set_real_ip_from), without port, as nginx logs it.</summary>
    public string Client { get; }

    /// <summary>The listener's address (nginx's <c>server:</c>), which also picks a server{}'s own error_log.</summary>
    public IPEndPoint Server { get; }

    /// <summary>The login the client gave, escaped; null until the first login attempt.</summary>
    public string? Login
    {
        get => _login;
        set => _login = value is null ? null : LogValue.Escape(value);
    }

    /// <summary>The upstream <c>host:port</c> once the session connects to one.</summary>
    public string? Upstream { get; set; }

    /// <summary>The session switched to TLS with STARTTLS/STLS (nginx adds <c> using starttls</c> after the client).</summary>
    public bool Starttls { get; set; }

    /// <summary>The scope as a console logger shows it: <c>*3 client: 192.0.2.1, server: 127.0.0.1:143, login: "alice"</c>.</summary>
    public override string ToString() => $"*{ConnectionNumber} {Suffix()[2..]}";

    /// <summary>nginx's suffix: <c>, client: 192.0.2.1, server: 127.0.0.1:143, login: "alice", upstream: 127.0.0.1:10143</c>.</summary>
    public string Suffix()
    {
        var text = new StringBuilder(", client: ").Append(Client);
        if (Starttls) text.Append(" using starttls");
        text.Append(", server: ").Append(Server);
        if (!string.IsNullOrEmpty(Login)) text.Append(", login: \"").Append(Login).Append('"');
        if (Upstream is not null) text.Append(", upstream: ").Append(Upstream);
        return text.ToString();
    }

    private KeyValuePair<string, object?>[] Properties() =>
    [
        new("ConnectionNumber", ConnectionNumber),
        new("Client", Client),
        new("Server", Server.ToString()),
        new("Login", Login),
        new("Upstream", Upstream),
    ];

    public int Count => 5;

    public KeyValuePair<string, object?> this[int index] => Properties()[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)Properties()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
