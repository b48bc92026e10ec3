using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// Reads the <c>Mail</c> section into one <see cref="ServerSettings"/> per listener, with nginx's inheritance:
/// every key may be set in <c>Mail</c> (nginx's <c>mail{}</c>) and overridden in <c>Mail:Servers:N</c>
/// (nginx's <c>server{}</c>). Keys are nginx's directive names in PascalCase (<c>imap_client_buffer</c> →
/// <c>ImapClientBuffer</c>); lists are JSON arrays or space-separated strings, as in nginx.
/// Any unusable value throws <see cref="InvalidConfigurationException"/> naming the key and the value.
/// </summary>
public static partial class MailSettingsReader
{
    public const string SectionName = "Mail";

    public static IReadOnlyList<ServerSettings> Read(IConfiguration configuration)
    {
        var mail = configuration.GetSection(SectionName);
        var servers = mail.GetSection("Servers").GetChildren().ToList();
        if (servers.Count == 0)
            throw new InvalidConfigurationException($"{SectionName}:Servers", null, "no listener configured; add at least one server with Listen and Protocol");

        RefuseUnknownKeys(mail, Nginx.NginxDirectives.MailKeys);
        foreach (var upstream in mail.GetSection("Upstreams").GetChildren())
            RefuseUnknownKeys(upstream, Nginx.NginxDirectives.UpstreamKeys);
        var result = new List<ServerSettings>(servers.Count);
        foreach (var server in servers)
        {
            RefuseUnknownKeys(server, Nginx.NginxDirectives.ServerKeys);
            result.Add(ReadServer(new Scope(mail, server)));
        }

        var duplicate = result.GroupBy(s => s.Listen).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidConfigurationException($"{SectionName}:Servers", duplicate.Key.ToString(), "the same address and port is used by two servers (nginx refuses this too)");
        return result;
    }

    /// <summary>
    /// A misspelt key would otherwise be a setting silently left at its default. The known keys are those of the
    /// directive table the nginx configuration uses (<see cref="Nginx.NginxDirectives"/>), so both sources agree.
    /// </summary>
    private static void RefuseUnknownKeys(IConfigurationSection section, IReadOnlySet<string> known) =>
        SettingsSection.RefuseUnknownKeys(section, known, "unknown setting; the keys are nginx's mail directives in PascalCase (see the README's table)");

    private static ServerSettings ReadServer(Scope scope)
    {
        var listenText = scope.ServerOnly("Listen") ?? throw scope.Invalid("Listen", null, "every server needs Listen, e.g. \"127.0.0.1:1143\" or \"143\"");
        var listenDirective = ListenDirective.Parse(listenText, (word, reason) => scope.Invalid("Listen", listenText, $"'{word}': {reason}"));
        var listen = listenDirective.EndPoint;

        var protocolText = scope.ServerOnly("Protocol");
        MailProtocol protocol;
        if (protocolText is null)
        {
            // nginx picks the protocol from the port when none is given: imap 143/993, pop3 110/995, smtp 25/465/587.
            protocol = listen.Port switch
            {
                143 or 993 => MailProtocol.Imap,
                110 or 995 => MailProtocol.Pop3,
                25 or 465 or 587 => MailProtocol.Smtp,
                _ => throw scope.Invalid("Protocol", null, $"port {listen.Port} is not a standard mail port; set Protocol to imap, pop3 or smtp"),
            };
        }
        else if (!Enum.TryParse(protocolText, ignoreCase: true, out protocol) || !Enum.IsDefined(protocol) || int.TryParse(protocolText, out _))
        {
            throw scope.Invalid("Protocol", protocolText, "expected imap, pop3 or smtp");
        }

        var authUrl = scope.Get("AuthHttp") ?? throw scope.Invalid("AuthHttp", null, "auth_http is required, e.g. \"http://127.0.0.1:9000/auth\"");
        var authHttp = new AuthHttpEndpoint(
            ParseAuthUrl(scope, authUrl),
            scope.Time("AuthHttpTimeout", TimeSpan.FromSeconds(60)),
            scope.Headers("AuthHttpHeaders"));

        var imap = new ImapSettings(
            scope.Mechanisms("ImapAuth", ["plain"], "plain", "login", "cram-md5", "external", "xoauth2", "oauthbearer"),
            scope.List("ImapCapabilities", ["IMAP4", "IMAP4rev1", "UIDPLUS"]),
            scope.Size("ImapClientBuffer", 4096));

        // pop3_auth: "plain" stands for USER/PASS and SASL PLAIN + LOGIN; "apop" is not a SASL mechanism.
        var pop3Auth = scope.Mechanisms("Pop3Auth", ["plain"], "plain", "apop", "cram-md5", "external", "xoauth2", "oauthbearer");
        var pop3 = new Pop3Settings(
            (pop3Auth & ~SaslMechanisms.Apop) | (pop3Auth.HasFlag(SaslMechanisms.Plain) ? SaslMechanisms.Login : SaslMechanisms.None),
            pop3Auth.HasFlag(SaslMechanisms.Apop),
            scope.List("Pop3Capabilities", ["TOP", "USER", "UIDL"]),
            scope.Size("Pop3ClientBuffer", 4096));

        var smtpAuth = scope.Mechanisms("SmtpAuth", ["plain", "login"], "plain", "login", "cram-md5", "external", "xoauth2", "oauthbearer", "none");
        var smtp = new SmtpSettings(
            smtpAuth & ~SaslMechanisms.Unauthenticated,
            smtpAuth.HasFlag(SaslMechanisms.Unauthenticated),
            scope.List("SmtpCapabilities", []),
            scope.Size("SmtpClientBuffer", 4096),
            scope.Time("SmtpGreetingDelay", TimeSpan.Zero),
            scope.Bool("Xclient", true),
            scope.Bool("ProxySmtpAuth", false),
            scope.Resolver("Resolver"),
            scope.Time("ResolverTimeout", TimeSpan.FromSeconds(30)));

        return new ServerSettings(
            Name: scope.ServerOnly("Name") ?? $"{protocol.ToString().ToLowerInvariant()}@{listen}",
            Listen: listen,
            ListenParameters: listenDirective,
            Protocol: protocol,
            ServerName: scope.Get("ServerName") ?? Dns.GetHostName(),
            AuthHttp: authHttp,
            Timeout: scope.Time("Timeout", TimeSpan.FromSeconds(60)),
            ProxyTimeout: scope.Time("ProxyTimeout", TimeSpan.FromHours(24)),
            MaxErrors: scope.Int("MaxErrors", 5, min: 0),
            ProxyPassErrorMessage: scope.Bool("ProxyPassErrorMessage", false),
            ProxyBuffer: scope.Size("ProxyBuffer", 4096),
            Imap: imap,
            Pop3: pop3,
            Smtp: smtp,
            SetRealIpFrom: RealIp(scope),
            Upstreams: UpstreamSettingsReader.Read(scope),
            Tls: ReadTls(scope, listenDirective.Ssl, protocol))
        {
            LoginTimeout = scope.Time("LoginTimeout", TimeSpan.FromMinutes(3)),
            SaslOAuth = new SaslOAuthSettings(
                scope.Bool("SaslOauthPlaintext", SaslOAuthSettings.Default.Plaintext),
                scope.Size("SaslOauthBuffer", SaslOAuthSettings.Default.Buffer)),
        };
    }

    /// <summary>set_real_ip_from: addresses, CIDRs and <c>unix:</c>, as a list (nginx repeats the directive).</summary>
    private static RealIpTrust RealIp(Scope scope)
    {
        var entries = new List<object>();
        // Each array entry may itself be a space list, as nginx repeats the directive or lists several.
        foreach (var item in scope.List("SetRealIpFrom", []).SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            entries.Add(RealIpTrust.ParseEntry(item) ?? throw scope.Invalid("SetRealIpFrom", item, "expected an address, a CIDR such as 10.0.0.0/8 or 2001:db8::/32, or unix:"));
        return RealIpTrust.From(entries);
    }

    private static string ParseAuthUrl(Scope scope, string text)
    {
        // nginx's auth_http takes "host:port/uri" with http:// optional; https is refused by nginx, but we can speak it.
        if (text.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
            throw scope.Invalid("AuthHttp", text, "a unix: socket is not supported by OrleansMail's auth client (it asks over TCP); use http://host:port/uri");
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw scope.Invalid("AuthHttp", text, "expected an http:// or https:// URL");
        return uri.ToString();
    }

    /// <summary>
    /// A server section and the mail section it inherits from; for a per-upstream override, that entry first. The
    /// values are read with the one grammar of every section (<see cref="SettingsSection"/>); what only the mail
    /// directives need (SASL mechanisms, resolvers, headers, SNI names) is here.
    /// </summary>
    internal sealed class Scope(IConfigurationSection mail, IConfigurationSection server, IConfigurationSection? upstream = null)
        : SettingsSection(server, upstream is null ? [server, mail] : [upstream, server, mail])
    {
        public IConfigurationSection Mail { get; } = mail;

        public IConfigurationSection Server { get; } = server;

        public string? ServerOnly(string key) => Server[key];

        /// <summary>An <c>*_auth</c> list; each protocol allows its own names (nginx refuses the others too).</summary>
        public SaslMechanisms Mechanisms(string key, IReadOnlyList<string> fallback, params string[] allowed)
        {
            var result = SaslMechanisms.None;
            foreach (var name in List(key, fallback))
            {
                var lower = name.ToLowerInvariant();
                if (!allowed.Contains(lower)) throw Invalid(key, name, "expected " + string.Join(", ", allowed));
                result |= lower switch
                {
                    "plain" => SaslMechanisms.Plain,
                    "login" => SaslMechanisms.Login,
                    "cram-md5" => SaslMechanisms.CramMd5,
                    "external" => SaslMechanisms.External,
                    "xoauth2" => SaslMechanisms.XOAuth2,
                    "oauthbearer" => SaslMechanisms.OAuthBearer,
                    "apop" => SaslMechanisms.Apop,
                    "none" => SaslMechanisms.Unauthenticated,
                    _ => SaslMechanisms.None,
                };
            }
            return result;
        }

        /// <summary>
        /// nginx's <c>resolver address[:port] … | off</c>; port 53 by default. A name is looked up once, here, and all
        /// its addresses are used, as nginx does while reading its configuration (ngx_parse_url with no_resolve off).
        /// Options such as <c>valid=</c> and <c>ipv6=</c> tune nginx's resolver cache: an nginx file has them removed
        /// with a warning (NginxConfigurationMapper); in JSON they are refused rather than silently ignored.
        /// </summary>
        public IReadOnlyList<IPEndPoint> Resolver(string key)
        {
            var items = List(key, []);
            if (items.Count == 1 && items[0].Equals("off", StringComparison.OrdinalIgnoreCase)) return [];
            var result = new List<IPEndPoint>(items.Count);
            foreach (var item in items)
            {
                if (IPEndPoint.TryParse(item, out var endPoint))
                    result.Add(endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, 53) : endPoint);
                else if (ResolverName(item) is { } name)
                    result.AddRange(name);
                else
                    throw Invalid(key, item, "expected DNS server addresses or names such as 127.0.0.1, [::1]:5353, dns.example:53, or off");
            }
            return result;
        }

        /// <summary>A resolver given by name (<c>dns.example</c>, <c>dns.example:5353</c>): its addresses, or null.</summary>
        private static IEnumerable<IPEndPoint>? ResolverName(string item)
        {
            var colon = item.LastIndexOf(':');
            var (host, port) = colon > 0 && int.TryParse(item.AsSpan(colon + 1), out var p) && p is > 0 and <= 65535 ? (item[..colon], p) : (item, 53);
            if (host.Length == 0 || host.Contains('=') || Uri.CheckHostName(host) != UriHostNameType.Dns) return null;
            try { return Dns.GetHostAddresses(host).Select(address => new IPEndPoint(address, port)).ToList(); }
            catch (SocketException) { return null; }
        }

        /// <summary>The names under a section (e.g. the server names under SslSni), the server's own else the mail's.</summary>
        public IReadOnlyList<string> Children(string key) =>
            Find(key)?.GetChildren().Select(c => c.Key).ToList() ?? [];

        /// <summary>A repeatable directive whose entries hold spaces: an array, or one string for a single entry.</summary>
        public IReadOnlyList<string> Entries(string key)
        {
            var section = Find(key);
            if (section is null) return [];
            var children = section.GetChildren().ToList();
            return children.Count > 0 ? children.Select(c => c.Value ?? "").Where(v => v.Length > 0).ToList() : [section.Value ?? ""];
        }

        public IReadOnlyList<KeyValuePair<string, string>> Headers(string key)
        {
            // A server's own list replaces the inherited one, as auth_http_header does in nginx.
            var section = Find(key);
            if (section is null) return [];
            var headers = new List<KeyValuePair<string, string>>();
            foreach (var child in section.GetChildren())
            {
                var value = child.Value ?? "";
                if (child.Key.Length == 0 || !child.Key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                    throw new InvalidConfigurationException(child.Path, value, "a header name may hold only letters, digits and '-'");
                if (value.Any(c => c is '\r' or '\n' or '\0'))
                    throw new InvalidConfigurationException(child.Path, value, "a header value must not contain CR, LF or NUL");
                headers.Add(new(child.Key, value));
            }
            return headers;
        }
    }
}
