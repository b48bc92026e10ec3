using k8s.Models;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// One pod of a rendered Deployment run as a local process: its container's program (the image runs
/// <c>dotnet Silo.dll</c> or <c>dotnet Frontend.dll</c> with the container's <c>args</c>) with the container's env
/// resolved as the kubelet would (<see cref="PodEnvironment"/>), and its volumes as files in a temporary folder: the
/// ConfigMap's keys and the Secrets' keys (<see cref="Start"/>'s <c>secretFile</c> names the test file that stands for
/// each), the emptyDirs as empty folders. The only rewrite: an absolute mount path (<c>/etc/orleansmail/…</c>,
/// <c>/run/orleansmail</c>) in the args, the env and the ConfigMap's files becomes the same path under that folder (a
/// process here cannot write /etc or /run). <c>/tmp</c> stays the machine's own.
/// </summary>
public sealed class SimulatedPod : IAsyncDisposable
{
    private SimulatedPod(string name, string ip, string root, IReadOnlyDictionary<string, string> environment, DotnetAppProcess app)
    {
        Name = name;
        Ip = ip;
        Root = root;
        Environment = environment;
        App = app;
    }

    public string Name { get; }

    /// <summary>The pod IP: a loopback address of its own (127.0.0.0/8 is all local on Linux).</summary>
    public string Ip { get; }

    /// <summary>The folder the pod's absolute mount paths live under.</summary>
    public string Root { get; }

    /// <summary>The environment the process got.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public DotnetAppProcess App { get; }

    /// <param name="deployment">The rendered Deployment to run one pod of.</param>
    /// <param name="manifests">The rendered manifests, for its ConfigMaps and Secrets.</param>
    /// <param name="name">The pod's name.</param>
    /// <param name="ip">The pod's IP (a loopback address).</param>
    /// <param name="secretFile">The test file that stands for a Secret's key (secret name, key).</param>
    /// <param name="sources">Values for <c>valueFrom</c> variables (the pod's name and IP, the test's Redis and auth server).</param>
    /// <param name="overrides">Variables set after the manifest's (each documented where the test sets it).</param>
    /// <param name="editFile">A change to a ConfigMap file (key, content), after the mount paths are rewritten.</param>
    public static SimulatedPod Start(V1Deployment deployment, RenderedManifests manifests, string name, string ip,
        Func<string, string, string> secretFile, IReadOnlyDictionary<string, string> sources,
        IReadOnlyDictionary<string, string> overrides, Func<string, string, string>? editFile = null)
    {
        var pod = deployment.Spec.Template;
        var container = Assert.Single(pod.Spec.Containers);
        var root = ServerProcess.CreateTempDirectory("orleansmail-pod-");
        var mounts = container.VolumeMounts.Select(m => m.MountPath).Where(p => p != "/tmp").OrderByDescending(p => p.Length).ToList();
        string Rewrite(string value)
        {
            foreach (var mount in mounts)
            {
                if (value == mount) return root + mount;
                value = value.Replace(mount + "/", root + mount + "/", StringComparison.Ordinal);
            }
            return value;
        }

        string? configFile = null;
        foreach (var mount in container.VolumeMounts.Where(m => m.MountPath != "/tmp"))
        {
            var volume = Assert.Single(pod.Spec.Volumes, v => v.Name == mount.Name);
            var folder = Directory.CreateDirectory(Rewrite(mount.MountPath)).FullName;
            if (volume.ConfigMap is { } configMap)
            {
                foreach (var (key, content) in Assert.Single(manifests.All<V1ConfigMap>(), c => c.Metadata.Name == configMap.Name).Data)
                {
                    configFile = Path.Combine(folder, key);
                    File.WriteAllText(configFile, (editFile ?? ((_, c) => c))(key, Rewrite(content)));
                }
            }
            if (volume.Secret is { } secret)
            {
                var template = Assert.Single(manifests.SecretTemplates, s => s.Metadata.Name == secret.SecretName);
                foreach (var key in template.StringData.Keys) File.Copy(secretFile(secret.SecretName, key), Path.Combine(folder, key));
            }
            foreach (var source in volume.Projected?.Sources ?? [])
            {
                foreach (var item in source.Secret?.Items ?? [])
                    File.Copy(secretFile(source.Secret!.Name, item.Key), Path.Combine(folder, item.Path));
            }
            // An emptyDir is the empty folder.
        }

        var environment = PodEnvironment.Resolve(deployment, manifests, sources).ToDictionary(e => e.Key, e => Rewrite(e.Value));
        foreach (var (key, value) in overrides) environment[key] = value;
        var project = container.Name switch
        {
            "silo" => "Silo",
            "frontend" => "Frontend",
            var other => throw new Xunit.Sdk.XunitException($"no program for container {other}"),
        };
        Assert.Null(container.Command); // the image's entrypoint: dotnet <Program>.dll
        var args = (container.Args ?? []).Select(Rewrite).ToArray();
        // What diagnostics show for a pod without a ConfigMap file: its environment (test stand-ins, no real secrets).
        var shown = configFile ?? Path.Combine(root, "pod.env");
        if (configFile is null) File.WriteAllLines(shown, environment.Select(e => $"{e.Key}={e.Value}"));
        var app = DotnetAppProcess.StartWithArguments(project, name, root, shown, environment, args);
        return new SimulatedPod(name, ip, root, environment, app);
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
