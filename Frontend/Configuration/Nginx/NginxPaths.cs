namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// nginx's two prefixes for a relative path in the configuration (src/core/nginx.c ngx_process_options,
/// src/core/ngx_cycle.c ngx_conf_full_name): files the configuration reads (<c>include</c>, the certificates and keys,
/// <c>ssl_password_file</c>, <c>ssl_dhparam</c>, <c>ssl_client_certificate</c>, <c>ssl_trusted_certificate</c>,
/// <c>ssl_crl</c>, <c>ssl_session_ticket_key</c>) are taken from the <b>configuration prefix</b>, the directory of the
/// <c>-c</c> file; files the process writes (<c>pid</c>, <c>error_log</c>) from the <b>prefix</b>, <c>-p</c>, whose
/// default is the current directory where nginx uses its compiled-in one. An absolute path is used as it is.
/// </summary>
/// <param name="Prefix">The <c>-p</c> directory (absolute).</param>
/// <param name="ConfigurationPrefix">The directory of the <c>-c</c> file (absolute).</param>
public sealed record NginxPaths(string Prefix, string ConfigurationPrefix)
{
    /// <summary>
    /// The directives whose arguments name files the configuration reads, with the index of the first such argument
    /// (<c>ssl_sni_certificate NAME CERT KEY</c> starts at 1). The proxy_ssl_* files are OrleansMail's own directives,
    /// resolved as nginx resolves its stream and http proxy_ssl_certificate.
    /// </summary>
    public static IReadOnlyDictionary<string, int> ConfigurationFileDirectives { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["ssl_certificate"] = 0,
        ["ssl_certificate_key"] = 0,
        ["ssl_password_file"] = 0,
        ["ssl_dhparam"] = 0,
        ["ssl_client_certificate"] = 0,
        ["ssl_trusted_certificate"] = 0,
        ["ssl_crl"] = 0,
        ["ssl_session_ticket_key"] = 0,
        ["ssl_sni_certificate"] = 1,
        ["proxy_ssl_trusted_certificate"] = 0,
        ["proxy_ssl_certificate"] = 0,
        ["proxy_ssl_certificate_key"] = 0,
        ["cluster_tls_certificate"] = 0,
        ["cluster_tls_key"] = 0,
        ["cluster_tls_ca"] = 0,
        ["cluster_redis_tls_ca"] = 0,
    };

    /// <summary>The paths for <c>-p</c> and <c>-c</c>'s file, both already absolute (see <see cref="NginxCommandLine"/>).</summary>
    public static NginxPaths For(NginxCommandLine command) =>
        new(command.Prefix, Path.GetDirectoryName(command.ConfigFile) ?? command.Prefix);

    /// <summary>A file the configuration reads. nginx's <c>data:</c> certificates (PEM inline) are not paths and stay as they are.</summary>
    public string ConfigurationFile(string path) =>
        path.StartsWith("data:", StringComparison.Ordinal) ? path : Path.GetFullPath(path, ConfigurationPrefix);

    /// <summary>A file the process writes: <c>pid</c>, an <c>error_log</c> file.</summary>
    public string RuntimeFile(string path) => Path.GetFullPath(path, Prefix);

    /// <summary>The arguments of <paramref name="directive"/> with its file arguments made absolute.</summary>
    public IReadOnlyList<string> ResolveArguments(string directive, IReadOnlyList<string> arguments)
    {
        if (!ConfigurationFileDirectives.TryGetValue(directive, out var first)) return arguments;
        return arguments.Select((argument, i) => i >= first ? ConfigurationFile(argument) : argument).ToList();
    }
}
