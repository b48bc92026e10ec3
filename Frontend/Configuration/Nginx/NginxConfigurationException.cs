namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// A configuration file nginx would refuse, with nginx's wording: <c>REASON in FILE:LINE</c>
/// (ngx_conf_log_error, e.g. <c>unknown directive "x" in /etc/nginx/nginx.conf:12</c>).
/// </summary>
public sealed class NginxConfigurationException(string reason, NginxSourceLocation location)
    : Exception($"{reason} in {location}")
{
    /// <summary>The name nginx gives the <c>-g</c> directives in its messages.</summary>
    public const string CommandLine = "command line";

    public string Reason { get; } = reason;

    public NginxSourceLocation Location { get; } = location;
}
