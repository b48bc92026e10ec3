using System.Net;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Silo.Kubernetes;

/// <summary>
/// <c>Cluster:Kubernetes = true</c>: the silo runs as a Kubernetes pod with Microsoft.Orleans.Hosting.Kubernetes
/// (README "Kubernetes"). The package reads the pod's downward-API environment: <c>POD_NAME</c> becomes the silo name,
/// <c>POD_IP</c> (required) the address other silos and Frontends use (listening on every address), <c>POD_NAMESPACE</c> the
/// namespace it watches, and <c>ORLEANS_SERVICE_ID</c> / <c>ORLEANS_CLUSTER_ID</c>, when set, override
/// <c>Cluster:ServiceId</c> / <c>Cluster:ClusterId</c>. Its agent labels the pod with the cluster's ids, watches the
/// cluster's pods and declares a silo dead as soon as its pod is deleted, without waiting for missed probes. Redis
/// still holds membership and grain state: the agent only speeds up failure detection.
/// <para>
/// Everything the package would otherwise fail on deep inside start-up (an unparsable <c>POD_IP</c>, no namespace,
/// no API server to talk to) is checked here first and stops start-up with one line naming the setting.
/// </para>
/// </summary>
public sealed record KubernetesHosting(string PodName, string Namespace, IPAddress? PodIp, Func<KubernetesClientConfiguration> ApiServer)
{
    public const string Key = "Cluster:Kubernetes";

    /// <summary>The downward-API variables (the names Microsoft.Orleans.Hosting.Kubernetes reads).</summary>
    public const string PodNameVariable = "POD_NAME", PodNamespaceVariable = "POD_NAMESPACE", PodIpVariable = "POD_IP";

    /// <summary>The service account's namespace file, which the package reads when <c>POD_NAMESPACE</c> is not set.</summary>
    private static readonly string ServiceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>Null unless <c>Cluster:Kubernetes</c> is true; throws naming the setting that cannot be used.</summary>
    public static KubernetesHosting? From(IConfiguration configuration)
    {
        var cluster = SettingsSection.Of(configuration, ClusterSettings.SectionName);
        var enabled = !string.IsNullOrWhiteSpace(cluster.Get(ClusterSettings.KubernetesKey)) && cluster.Bool(ClusterSettings.KubernetesKey, false);
        if (!enabled) return null;

        var podName = Environment.GetEnvironmentVariable(PodNameVariable) is { Length: > 0 } name ? name : Environment.MachineName;
        var ns = Environment.GetEnvironmentVariable(PodNamespaceVariable) is { Length: > 0 } variable ? variable
            : File.Exists(ServiceAccountNamespace) ? File.ReadAllText(ServiceAccountNamespace).Trim() : null;
        if (string.IsNullOrEmpty(ns))
            throw new InvalidConfigurationException(PodNamespaceVariable, null, $"{Key} needs the pod's namespace: set {PodNamespaceVariable} from the downward API (metadata.namespace)");

        IPAddress? podIp = null;
        var ipText = Environment.GetEnvironmentVariable(PodIpVariable);
        if (!string.IsNullOrEmpty(ipText) && !IPAddress.TryParse(ipText, out podIp))
            throw new InvalidConfigurationException(PodIpVariable, ipText, "expected the pod's IP address (downward API status.podIP)");
        if (podIp is null && string.IsNullOrWhiteSpace(configuration["Cluster:AdvertisedIp"]))
            throw new InvalidConfigurationException(PodIpVariable, null, $"{Key} needs the pod's IP: set {PodIpVariable} from the downward API (status.podIP), or Cluster:AdvertisedIp");

        return new KubernetesHosting(podName, ns, podIp, ApiServerConfiguration());
    }

    /// <summary>
    /// The API server as kubectl finds it: the kubeconfig file named by <c>KUBECONFIG</c> when set (a silo run outside
    /// the cluster, and the tests' API server), otherwise inside a pod its service account's token and the API server
    /// named by <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c> (the package's default). With neither the agent could
    /// never start, so start-up stops here instead of after the agent's ten retries.
    /// </summary>
    private static Func<KubernetesClientConfiguration> ApiServerConfiguration()
    {
        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } kubeconfig)
        {
            if (!File.Exists(kubeconfig)) throw new InvalidConfigurationException("KUBECONFIG", kubeconfig, "no such file");
            return () => KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        }
        if (KubernetesClientConfiguration.IsInCluster()) return KubernetesClientConfiguration.InClusterConfig;
        throw new InvalidConfigurationException(Key, "true",
            "not inside a Kubernetes pod (no KUBERNETES_SERVICE_HOST and service-account token) and no KUBECONFIG file: the pod-watching agent has no API server");
    }
}

/// <summary>Adds Kubernetes hosting to the silo (<see cref="KubernetesHosting"/>).</summary>
public static class KubernetesSiloBuilderExtensions
{
    public static ISiloBuilder AddOrleansMailKubernetesHosting(this ISiloBuilder silo, KubernetesHosting kubernetes, ClusterSettings cluster)
    {
        silo.UseKubernetesHosting(options => options.Configure(o => o.GetClientConfiguration = kubernetes.ApiServer));
        // The package would fill the advertised address from POD_IP only where nothing set it, and AddOrleansMailSilo
        // has set it from the host's first address: POD_IP is applied here, with both ports listening on every
        // address (the pod's), unless Cluster:AdvertisedIp names one explicitly.
        if (cluster.AdvertisedIp is null && kubernetes.PodIp is { } podIp)
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = podIp;
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, o.SiloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, o.GatewayPort);
            });
        return silo;
    }
}
