using k8s.Models;
using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Hosting;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// The rendered AKS manifests agree with each other and with the code: selectors find the pods, the mail Service
/// publishes exactly the listeners the ConfigMap's nginx file opens (read by the Frontend's own parser), probes ask the
/// health paths on the ports the processes serve them on, every environment variable is a key the code reads, and the
/// NetworkPolicies open Orleans' silo and gateway ports to the right pods only.
/// </summary>
public sealed class ManifestCrossReferenceTests
{
    [Fact]
    public async Task SelectorsFindThePodsTheyMean()
    {
        var m = await RenderedManifests.GetAsync();
        var deployments = m.All<V1Deployment>().ToList();
        Assert.Equal(["orleansmail-frontend", "orleansmail-silo"], deployments.Select(d => d.Metadata.Name).Order());
        foreach (var deployment in deployments)
            Assert.True(Matches(deployment.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), $"{deployment.Metadata.Name}: selector does not match its pod labels");

        V1Deployment Selected(IDictionary<string, string> selector, string what) =>
            Assert.Single(deployments, d => Matches(selector, d.Spec.Template.Metadata.Labels));

        Assert.Same(m.Frontend, Selected(m.One<V1Service>("orleansmail-mail").Spec.Selector, "mail Service"));
        Assert.Same(m.Frontend, Selected(m.One<V1Service>("orleansmail-frontend-metrics").Spec.Selector, "metrics Service"));
        Assert.Same(m.Silo, Selected(m.One<V1Service>("orleansmail-admin").Spec.Selector, "admin Service"));
        Assert.Same(m.Frontend, Selected(m.One<V1PodDisruptionBudget>("orleansmail-frontend").Spec.Selector.MatchLabels, "PDB"));
        Assert.Same(m.Silo, Selected(m.One<V1PodDisruptionBudget>("orleansmail-silo").Spec.Selector.MatchLabels, "PDB"));
        foreach (var deployment in deployments)
        {
            var anti = Assert.Single(deployment.Spec.Template.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution);
            Assert.Same(deployment, Selected(anti.PodAffinityTerm.LabelSelector.MatchLabels, "anti-affinity"));
        }

        // The HPA owns the Frontends' count: the Deployment sets none (an apply would reset the scaled count).
        var hpa = m.One<V2HorizontalPodAutoscaler>("orleansmail-frontend");
        Assert.Equal(("Deployment", "orleansmail-frontend"), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Null(m.Frontend.Spec.Replicas);
        Assert.Equal("cpu", Assert.Single(hpa.Spec.Metrics).Resource.Name);
        Assert.True(m.Silo.Spec.Replicas >= 2, "at least two silos (README, Running a cluster)");

        // Orleans' Kubernetes hosting: the silo pods carry the cluster's labels, the silos' account may do what it needs.
        Assert.Contains("orleans/serviceId", m.Silo.Spec.Template.Metadata.Labels.Keys);
        Assert.Contains("orleans/clusterId", m.Silo.Spec.Template.Metadata.Labels.Keys);
        var binding = m.One<V1RoleBinding>("orleansmail-silo");
        var role = m.One<V1Role>(binding.RoleRef.Name);
        var rule = Assert.Single(role.Rules);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rule.Verbs.Order());
        Assert.Equal(m.Silo.Spec.Template.Spec.ServiceAccountName, Assert.Single(binding.Subjects).Name);
        m.One<V1ServiceAccount>(m.Silo.Spec.Template.Spec.ServiceAccountName);

        // Every NetworkPolicy selects pods that exist (or the whole namespace), and so does every pod peer it names.
        foreach (var policy in m.All<V1NetworkPolicy>())
        {
            var selector = policy.Spec.PodSelector.MatchLabels;
            if (selector is not null) Assert.Contains(deployments, d => Matches(selector, d.Spec.Template.Metadata.Labels));
            var peers = (policy.Spec.Ingress ?? []).SelectMany(r => r.FromProperty ?? []).Concat((policy.Spec.Egress ?? []).SelectMany(r => r.To ?? []));
            foreach (var peer in peers.Where(p => p.PodSelector is not null))
                Assert.Single(deployments, d => Matches(peer.PodSelector.MatchLabels, d.Spec.Template.Metadata.Labels));
        }
    }

    [Fact]
    public async Task TheMailServicePublishesExactlyTheListenersOfTheConfigMapsNginxFile()
    {
        var m = await RenderedManifests.GetAsync();
        var nginx = LoadFrontendNginxFile(m);
        var listeners = nginx.ReadServers().Select(s => s.ListenParameters).ToList();
        var frontend = Assert.Single(m.Frontend.Spec.Template.Spec.Containers);

        var service = m.One<V1Service>("orleansmail-mail");
        var published = service.Spec.Ports.ToDictionary(p => p.Port, p => ContainerPort(frontend, p.TargetPort.Value));
        Assert.Equal(listeners.Select(l => l.EndPoint.Port).Order(), published.Values.Order());
        // The load balancer forwards each port to the same port: clients and the listeners agree on which is which.
        Assert.All(published, p => Assert.Equal(p.Key, p.Value));
        Assert.All(listeners, l => Assert.Equal(System.Net.IPAddress.Any, l.EndPoint.Address));
        Assert.Equal([465, 993, 995], listeners.Where(l => l.Ssl).Select(l => l.EndPoint.Port).Order());

        // The mail ports are open to everyone, and only those.
        var ingress = m.One<V1NetworkPolicy>("orleansmail-frontend-ingress");
        var open = Assert.Single(ingress.Spec.Ingress, r => r.FromProperty is null);
        Assert.Equal(listeners.Select(l => l.EndPoint.Port).Order(), open.Ports.Select(p => int.Parse(p.Port.Value)).Order());

        // The certificate files the file names are where the mail-tls Secret is mounted.
        var mount = Assert.Single(frontend.VolumeMounts, v => v.Name == "mail-tls");
        var volume = Assert.Single(m.Frontend.Spec.Template.Spec.Volumes, v => v.Name == "mail-tls");
        var secret = Assert.Single(m.SecretTemplates, s => s.Metadata.Name == volume.Secret.SecretName);
        Assert.Equal("kubernetes.io/tls", secret.Type);
        Assert.Equal($"{mount.MountPath}/tls.crt", nginx.Mapped.Values["Mail:SslCertificate:0"]);
        Assert.Equal($"{mount.MountPath}/tls.key", nginx.Mapped.Values["Mail:SslCertificateKey:0"]);

        // The container runs the file from where the ConfigMap is mounted.
        var config = Assert.Single(frontend.VolumeMounts, v => v.Name == "config");
        Assert.Equal(["-c", $"{config.MountPath}/nginx.conf", "-p", "/run/orleansmail"], frontend.Args);
        var run = Assert.Single(frontend.VolumeMounts, v => v.MountPath == "/run/orleansmail");
        Assert.NotNull(Assert.Single(m.Frontend.Spec.Template.Spec.Volumes, v => v.Name == run.Name).EmptyDir);
        // The pid file, which `-s reload` reads, is on that writable volume.
        Assert.StartsWith(run.MountPath + "/", nginx.Mapped.PidFile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbesAskTheHealthPathsOnThePortsTheProcessesServeThemOn()
    {
        var m = await RenderedManifests.GetAsync();
        var frontendHealth = System.Net.IPEndPoint.Parse(LoadFrontendNginxFile(m).Mapped.Values["Health:Listen"]!);
        var siloHealth = new Uri(PodEnvironment.Resolve(m.Silo, m)["Health__Urls"]);
        Assert.Equal(System.Net.IPAddress.Any, frontendHealth.Address);
        Assert.Equal("0.0.0.0", siloHealth.Host);

        foreach (var (deployment, port) in new[] { (m.Frontend, frontendHealth.Port), (m.Silo, siloHealth.Port) })
        {
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            foreach (var (probe, path) in new[] { (container.StartupProbe, "/health/live"), (container.LivenessProbe, "/health/live"), (container.ReadinessProbe, "/health/ready") })
            {
                Assert.Equal(path, probe.HttpGet.Path);
                Assert.Equal(port, ContainerPort(container, probe.HttpGet.Port.Value));
            }
        }

        // The internal Services point at the same ports.
        Assert.Equal(siloHealth.Port, ContainerPort(Assert.Single(m.Silo.Spec.Template.Spec.Containers), Assert.Single(m.One<V1Service>("orleansmail-admin").Spec.Ports).TargetPort.Value));
        Assert.Equal(frontendHealth.Port, ContainerPort(Assert.Single(m.Frontend.Spec.Template.Spec.Containers), Assert.Single(m.One<V1Service>("orleansmail-frontend-metrics").Spec.Ports).TargetPort.Value));
        Assert.Equal("ClusterIP", m.One<V1Service>("orleansmail-admin").Spec.Type);
    }

    [Fact]
    public async Task EveryEnvironmentVariableIsAConfigurationKeyTheCodeReads()
    {
        var m = await RenderedManifests.GetAsync();
        var readme = File.ReadAllText(Path.Combine(DeployTools.Repository, "README.md")) + File.ReadAllText(Path.Combine(DeployTools.Repository, "deploy", "README.md"));
        foreach (var deployment in new[] { m.Silo, m.Frontend })
        {
            var env = Assert.Single(deployment.Spec.Template.Spec.Containers).Env;
            var helpers = env.Select(e => e.Value).OfType<string>().SelectMany(PodEnvironment.References).ToHashSet();
            foreach (var variable in env)
            {
                var key = DeployedConfigurationKeys.KeyOf(variable.Name);
                if (key is not null)
                    Assert.Contains($"`{key}`", readme, StringComparison.Ordinal);
                else
                    Assert.True(DeployedConfigurationKeys.OrleansKubernetesVariables.Contains(variable.Name) || helpers.Contains(variable.Name),
                        $"{deployment.Metadata.Name}: {variable.Name} is neither a configuration key, nor read by Orleans' Kubernetes hosting, nor used in another value");
            }
        }

        // What the code reads from them is valid: the silo's and the Frontend's cluster settings, the admin token.
        var siloEnvironment = PodEnvironment.Resolve(m.Silo, m);
        var frontendEnvironment = PodEnvironment.Resolve(m.Frontend, m);
        var silo = Configuration(siloEnvironment);
        var frontend = Configuration(frontendEnvironment);
        // The cluster certificates must load (and chain to the CA): the ones deploy/README.md's commands make.
        using var pki = GuideClusterPki.Create();
        var siloCluster = ClusterSettings.From(Configuration(pki.Mount(siloEnvironment, "silo")), ClusterMode.Localhost);
        var frontendCluster = ClusterSettings.From(Configuration(pki.Mount(frontendEnvironment, "frontend")), ClusterMode.Embedded);
        Assert.Equal(ClusterMode.Redis, siloCluster.Mode);
        Assert.Equal(ClusterMode.Redis, frontendCluster.Mode);
        Assert.Equal(System.Net.IPAddress.Parse(PodEnvironment.PodIp), siloCluster.AdvertisedIp);
        Assert.NotNull(AdminToken.From(silo));
        Assert.NotNull(AdminToken.From(frontend));
        foreach (var cluster in new[] { silo, frontend })
        {
            var redis = StackExchange.Redis.ConfigurationOptions.Parse(cluster["Cluster:Redis"]!);
            Assert.True(redis.Ssl, "Redis over TLS");
            Assert.Equal(PodEnvironment.SecretValue("orleansmail-redis", "password"), redis.Password);
            Assert.Equal(10000, Assert.IsType<System.Net.DnsEndPoint>(Assert.Single(redis.EndPoints)).Port);
            Assert.Equal("On", cluster["Cluster:Tls:Mode"]);
            // The cluster certificate files are where the projected Secret volume puts them.
        }

        // One cluster: the Frontends join the ServiceId and ClusterId the silos' orleans/* labels name.
        Assert.Equal(m.Silo.Spec.Template.Metadata.Labels["orleans/serviceId"], frontendCluster.ServiceId);
        Assert.Equal(m.Silo.Spec.Template.Metadata.Labels["orleans/clusterId"], frontendCluster.ClusterId);
        Assert.Equal((siloCluster.ServiceId, siloCluster.ClusterId), (frontendCluster.ServiceId, frontendCluster.ClusterId));

        // The silos accept exactly the auth server the Frontends' nginx file names.
        var authHttp = LoadFrontendNginxFile(m).Mapped.Values["Mail:AuthHttp"];
        Assert.Equal(authHttp, silo["Cluster:AllowedAuthServers:0"]);
        Assert.Null(silo["Cluster:AllowedAuthServers:1"]);

        // The cluster certificate paths are files of the projected volume.
        foreach (var (deployment, configuration) in new[] { (m.Silo, silo), (m.Frontend, frontend) })
        {
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            var mount = Assert.Single(container.VolumeMounts, v => v.Name == "cluster-tls");
            var projected = Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == "cluster-tls").Projected;
            var files = projected.Sources.SelectMany(s => s.Secret.Items.Select(i => (Secret: s.Secret.Name, i.Key, i.Path))).ToList();
            foreach (var (key, file) in new[] { ("Cluster:Tls:Certificate", "tls.crt"), ("Cluster:Tls:Key", "tls.key"), ("Cluster:Tls:Ca", "ca.crt") })
            {
                Assert.Equal($"{mount.MountPath}/{file}", configuration[key]);
                var source = Assert.Single(files, f => f.Path == file);
                Assert.Contains(source.Key, Assert.Single(m.SecretTemplates, s => s.Metadata.Name == source.Secret).StringData.Keys);
            }
        }
    }

    [Fact]
    public async Task NetworkPoliciesOpenOrleansPortsToTheRightPodsOnly()
    {
        var m = await RenderedManifests.GetAsync();
        using var pki = GuideClusterPki.Create();
        var silo = ClusterSettings.From(Configuration(pki.Mount(PodEnvironment.Resolve(m.Silo, m), "silo")), ClusterMode.Localhost);
        var defaults = ClusterSettings.From(new ConfigurationBuilder().Build(), ClusterMode.Localhost);
        Assert.Equal((11111, 30000), (defaults.SiloPort, defaults.GatewayPort));
        Assert.Equal((defaults.SiloPort, defaults.GatewayPort), (silo.SiloPort, silo.GatewayPort));
        var container = Assert.Single(m.Silo.Spec.Template.Spec.Containers);
        Assert.Equal(silo.SiloPort, ContainerPort(container, "silo"));
        Assert.Equal(silo.GatewayPort, ContainerPort(container, "gateway"));

        var policy = m.One<V1NetworkPolicy>("orleansmail-silo-ingress");
        Assert.True(Matches(policy.Spec.PodSelector.MatchLabels, m.Silo.Spec.Template.Metadata.Labels));
        int[] From(V1Deployment deployment) => policy.Spec.Ingress
            .Where(r => r.FromProperty.Any(p => p.PodSelector is not null && Matches(p.PodSelector.MatchLabels, deployment.Spec.Template.Metadata.Labels)))
            .SelectMany(r => r.Ports).Select(p => int.Parse(p.Port.Value)).ToArray();
        Assert.Equal([silo.SiloPort], From(m.Silo));
        Assert.Equal([silo.GatewayPort], From(m.Frontend));
        // Nothing else reaches the silos but the monitoring namespace, on the health/admin port.
        var other = Assert.Single(policy.Spec.Ingress, r => r.FromProperty.All(p => p.PodSelector is null));
        Assert.Equal("monitoring", Assert.Single(other.FromProperty).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        Assert.Equal([ContainerPort(container, "health")], other.Ports.Select(p => int.Parse(p.Port.Value)));
        m.One<V1NetworkPolicy>("orleansmail-default-deny-ingress");

        // Egress: Redis' port (from the Redis endpoint) and the silo ports are reachable from both kinds of pod.
        var egress = m.One<V1NetworkPolicy>("orleansmail-egress");
        Assert.True(Matches(egress.Spec.PodSelector.MatchLabels, m.Silo.Spec.Template.Metadata.Labels));
        Assert.True(Matches(egress.Spec.PodSelector.MatchLabels, m.Frontend.Spec.Template.Metadata.Labels));
        var redisPort = Assert.IsType<System.Net.DnsEndPoint>(Assert.Single(StackExchange.Redis.ConfigurationOptions.Parse(silo.Redis!).EndPoints)).Port;
        var egressPorts = egress.Spec.Egress.SelectMany(r => r.Ports).Select(p => int.Parse(p.Port.Value)).ToHashSet();
        Assert.Contains(redisPort, egressPorts);
        Assert.Contains(silo.SiloPort, egressPorts);
        Assert.Contains(silo.GatewayPort, egressPorts);
    }

    [Fact]
    public async Task RolloutsAddBeforeTheyRemoveAndTheGracePeriodCoversTheDrain()
    {
        var m = await RenderedManifests.GetAsync();
        foreach (var deployment in new[] { m.Silo, m.Frontend })
        {
            var update = deployment.Spec.Strategy.RollingUpdate;
            Assert.Equal(("0", "1"), (update.MaxUnavailable.Value, update.MaxSurge.Value));
            var pod = deployment.Spec.Template.Spec;
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            var container = Assert.Single(pod.Containers);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.Contains(container.VolumeMounts, v => v.MountPath == "/tmp");
            Assert.NotNull(container.Resources.Requests["cpu"]);
            Assert.NotNull(container.Resources.Limits["memory"]);
        }

        // Frontend: ShutdownDelay (environment) + worker_shutdown_timeout (nginx file), and time to spare, before SIGKILL.
        var delay = Time(PodEnvironment.Resolve(m.Frontend, m)["ShutdownDelay"]);
        var timeout = Time(LoadFrontendNginxFile(m).Mapped.Values["ShutdownTimeout"]!);
        var grace = TimeSpan.FromSeconds(m.Frontend.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value);
        Assert.True(grace >= delay + timeout + TimeSpan.FromSeconds(5), $"terminationGracePeriodSeconds {grace} < ShutdownDelay {delay} + ShutdownTimeout {timeout} + 5 s");
        // Silo: .NET's host shutdown timeout (30 s, which the Silo keeps) for leaving the cluster, with the same margin.
        Assert.True(m.Silo.Spec.Template.Spec.TerminationGracePeriodSeconds >= 35);
    }

    [Fact]
    public async Task TheAksOverlaySetsAzuresLoadBalancerAndNodePool()
    {
        var m = await RenderedManifests.GetAsync();
        var service = m.One<V1Service>("orleansmail-mail");
        Assert.Equal(("LoadBalancer", "Local"), (service.Spec.Type, service.Spec.ExternalTrafficPolicy));
        Assert.Equal("30", service.Metadata.Annotations["service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout"]);
        Assert.Contains("service.beta.kubernetes.io/azure-pip-name", service.Metadata.Annotations.Keys);
        foreach (var deployment in new[] { m.Silo, m.Frontend })
        {
            Assert.Equal("user", deployment.Spec.Template.Spec.NodeSelector["kubernetes.azure.com/mode"]);
            Assert.Contains(".azurecr.io/orleansmail/", Assert.Single(deployment.Spec.Template.Spec.Containers).Image, StringComparison.Ordinal);
        }
        Assert.Contains(":10000", m.GeneratedConfigMap("orleansmail-cluster").Data["redis-endpoint"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryObjectIsTypedAndInTheNamespace()
    {
        var m = await RenderedManifests.GetAsync();
        Assert.All(m.Objects, o => Assert.IsAssignableFrom<k8s.IKubernetesObject<V1ObjectMeta>>(o));
        var kinds = m.Objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>().GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int>
        {
            ["Namespace"] = 1, ["ServiceAccount"] = 1, ["Role"] = 1, ["RoleBinding"] = 1, ["ConfigMap"] = 2, ["Service"] = 3,
            ["Deployment"] = 2, ["PodDisruptionBudget"] = 2, ["HorizontalPodAutoscaler"] = 1, ["NetworkPolicy"] = 4,
        }, kinds);
        var ns = Assert.Single(m.All<V1Namespace>()).Metadata.Name;
        Assert.All(m.Objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>().Where(o => o.Kind != "Namespace"), o => Assert.Equal(ns, o.Metadata.NamespaceProperty));
        Assert.Equal("restricted", m.One<V1Namespace>(ns).Metadata.Labels["pod-security.kubernetes.io/enforce"]);
        // The Secret templates are typed too, and never part of what `apply -k` sends.
        Assert.Equal(7, m.SecretTemplates.Count);
        Assert.DoesNotContain("kind: Secret", m.Yaml, StringComparison.Ordinal);
    }

    private static bool Matches(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    private static int ContainerPort(V1Container container, string nameOrNumber) =>
        int.TryParse(nameOrNumber, out var number) ? number : Assert.Single(container.Ports, p => p.Name == nameOrNumber).ContainerPort;

    private static TimeSpan Time(string text) =>
        NginxValueParser.TryParseTime(text, out var value) ? value : throw new Xunit.Sdk.XunitException($"not a time: {text}");

    /// <summary>The environment as .NET's configuration sees it (NAME__SUB → NAME:SUB).</summary>
    private static IConfiguration Configuration(IReadOnlyDictionary<string, string> environment) =>
        new ConfigurationBuilder().AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value))).Build();

    /// <summary>The ConfigMap's nginx.conf, read by the Frontend's own nginx parser from a file as the pod would have it.</summary>
    private static NginxConfiguration LoadFrontendNginxFile(RenderedManifests m)
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-deploy-");
        var file = Path.Combine(directory, "nginx.conf");
        try
        {
            File.WriteAllText(file, m.GeneratedConfigMap("orleansmail-frontend-config").Data["nginx.conf"]);
            return NginxConfiguration.Load(NginxCommandLine.Parse(["-c", file, "-p", directory]));
        }
        finally { Directory.Delete(directory, recursive: true); }
    }
}
