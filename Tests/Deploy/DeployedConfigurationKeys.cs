namespace OrleansMail.Tests.Deploy;

/// <summary>
/// Which environment variables the manifests may set. <c>NAME__SUB</c> is the configuration key <c>NAME:SUB</c> (.NET's
/// environment configuration provider); a trailing <c>__N</c> is an array item of that key.
/// </summary>
public static class DeployedConfigurationKeys
{
    /// <summary>
    /// Keys the processes read: README's "Cluster", "Observability" and "Admin API" tables, and "Cluster security"'s
    /// cluster TLS (<c>Cluster:Tls:*</c>), Redis TLS CA, allowed auth servers, Kubernetes hosting and shutdown delay.
    /// </summary>
    public static readonly IReadOnlySet<string> Keys = new HashSet<string>(StringComparer.Ordinal)
    {
        "Cluster:Mode", "Cluster:Redis", "Cluster:ServiceId", "Cluster:ClusterId", "Cluster:SiloPort", "Cluster:GatewayPort",
        "Cluster:AdvertisedIp", "Cluster:Kubernetes", "Cluster:Tls:Mode", "Cluster:Tls:Certificate", "Cluster:Tls:Key",
        "Cluster:Tls:Ca", "Cluster:RedisTlsCa", "Cluster:AllowedAuthServers", "Health:Urls", "Health:Listen", "Admin:Token",
        "Metrics:AnonymousScrape", "ShutdownDelay", "ShutdownTimeout",
    };

    /// <summary>
    /// Variables that are not configuration keys: what Microsoft.Orleans.Hosting.Kubernetes reads from the downward API,
    /// and helpers the manifests only use inside other values as <c>$(NAME)</c>.
    /// </summary>
    public static readonly IReadOnlySet<string> OrleansKubernetesVariables = new HashSet<string>(StringComparer.Ordinal)
    {
        "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID",
    };

    /// <summary>The configuration key of an environment variable name, or null when it names none.</summary>
    public static string? KeyOf(string variable)
    {
        var parts = variable.Split("__");
        if (parts.Length > 1 && parts[^1].All(char.IsAsciiDigit)) parts = parts[..^1];
        var key = string.Join(':', parts);
        return Keys.Contains(key) ? key : null;
    }
}
