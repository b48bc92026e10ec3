namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>The blocks a directive may stand in (nginx's NGX_MAIN_CONF, NGX_MAIL_MAIN_CONF, NGX_MAIL_SRV_CONF).</summary>
[Flags]
public enum NginxContexts
{
    /// <summary>Outside every block (nginx's main context, and the <c>-g</c> directives).</summary>
    Main = 1,
    /// <summary>Inside <c>mail { }</c>, inherited by its servers.</summary>
    Mail = 2,
    /// <summary>Inside <c>mail { server { } }</c>.</summary>
    Server = 4,
    /// <summary>Inside <c>mail { upstream ADDRESS { } }</c> (OrleansMail only): settings for one upstream server.</summary>
    Upstream = 8,
    /// <summary>Inside <c>events { }</c>: only <c>worker_connections</c> acts; the rest is nginx's event loop.</summary>
    Events = 16,
    MailAndServer = Mail | Server,
    /// <summary>The upstream settings: in mail{}, server{} and an upstream{} entry, inherited in that order.</summary>
    MailServerAndUpstream = Mail | Server | Upstream,
}

/// <summary>What OrleansMail does with a directive.</summary>
public enum NginxDirectiveStatus
{
    /// <summary>Becomes the configuration key <see cref="NginxDirective.Key"/> (<c>Mail:Key</c> or <c>Mail:Servers:N:Key</c>).</summary>
    Mapped,
    /// <summary><c>mail</c> and <c>server</c>: blocks that give the keys their place.</summary>
    Block,
    /// <summary>nginx's own process settings (worker_processes, events{}, http{} …): accepted, listed once at start-up.</summary>
    NotForMail,
    /// <summary>Accepted with a warning because nginx itself does nothing with it (<c>proxy</c>) or it is legacy (<c>ssl</c>).</summary>
    Warned,
    /// <summary>Honoured by the command line itself: <c>pid</c>, the top-level <c>error_log</c>.</summary>
    Process,
    /// <summary>Refused at start-up with <see cref="NginxDirective.Note"/> as the reason.</summary>
    Refused,
}

/// <summary>
/// One directive of the table in <see cref="NginxDirectives"/>: where it may stand, how many arguments it takes
/// (<see cref="MaxArguments"/> = int.MaxValue for nginx's 1MORE), and where its value goes.
/// </summary>
/// <param name="Name">The directive as nginx spells it.</param>
/// <param name="Contexts">The blocks it may stand in.</param>
/// <param name="Status">How it is taken: a key, a block, a process setting, a warning, or a refusal.</param>
/// <param name="MinArguments">The fewest arguments it takes.</param>
/// <param name="MaxArguments">The most arguments it takes.</param>
/// <param name="Key">The configuration key, nginx's name in PascalCase unless said otherwise; a key with a colon
/// (<c>Cluster:Mode</c>) is absolute, otherwise it goes under the mail{} or server{} section.</param>
/// <param name="Repeatable">Each occurrence adds an array item (<c>SslCertificate:0</c>, <c>SslCertificate:1</c>);
/// otherwise a second one in the same block is <c>"x" directive is duplicate</c>, as in nginx.</param>
/// <param name="Flag">nginx's NGX_CONF_FLAG: the only argument must be <c>on</c> or <c>off</c>.</param>
/// <param name="Default">The default as the README shows it.</param>
/// <param name="Items">Each argument is one item of the key's list (<c>SmtpCapabilities:0</c>, <c>:1</c> …), so a quoted
/// argument with spaces stays one item (<c>"SIZE 10485760"</c> is one EHLO line); a repeated directive appends its
/// arguments, as nginx's ngx_mail_capabilities() and ngx_conf_set_bitmask_slot() do (no "is duplicate").</param>
/// <param name="Note">The reason for a refusal or a warning, or what an OrleansMail-only directive does.</param>
public sealed record NginxDirective(
    string Name,
    NginxContexts Contexts,
    NginxDirectiveStatus Status,
    int MinArguments = 1,
    int MaxArguments = 1,
    string? Key = null,
    bool Repeatable = false,
    bool Flag = false,
    string? Default = null,
    string? Note = null,
    bool Items = false)
{
    /// <summary>A block: <c>mail</c>, <c>server</c>, <c>upstream ADDRESS</c>, and <c>events</c>, <c>http</c>, <c>stream</c> (no arguments).</summary>
    public bool IsBlock => Status == NginxDirectiveStatus.Block || MaxArguments == 0;

    /// <summary>The key, by the naming rule when the table gives none: <c>imap_client_buffer</c> → <c>ImapClientBuffer</c>.</summary>
    public string ConfigurationKey => Key ?? PascalCase(Name);

    public static string PascalCase(string name) =>
        string.Concat(name.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}
