using k8s;
using k8s.Models;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// deploy/kubernetes/overlays/aks as <c>kubectl kustomize</c> renders it, every object read into the typed models of
/// the KubernetesClient package (an object of a kind those models do not know, or a field of the wrong type, fails
/// the read), plus the Secret templates the manifests refer to (deploy/kubernetes/secrets/, applied separately).
/// </summary>
public sealed class RenderedManifests
{
    public const string Overlay = "deploy/kubernetes/overlays/aks";

    private static readonly Lazy<Task<RenderedManifests>> Rendered = new(RenderAsync);

    private RenderedManifests(string yaml, IReadOnlyList<object> objects, IReadOnlyList<V1Secret> secretTemplates)
    {
        Yaml = yaml;
        Objects = objects;
        SecretTemplates = secretTemplates;
    }

    /// <summary>kubectl's output, as it came.</summary>
    public string Yaml { get; }

    public IReadOnlyList<object> Objects { get; }

    public IReadOnlyList<V1Secret> SecretTemplates { get; }

    public static Task<RenderedManifests> GetAsync() => Rendered.Value;

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T One<T>(string name) where T : IMetadata<V1ObjectMeta> =>
        Assert.Single(All<T>(), o => o.Metadata.Name == name);

    public V1Deployment Silo => One<V1Deployment>("orleansmail-silo");

    public V1Deployment Frontend => One<V1Deployment>("orleansmail-frontend");

    /// <summary>The ConfigMap kustomize generated from <paramref name="name"/> (its name ends in a hash of the content).</summary>
    public V1ConfigMap GeneratedConfigMap(string name) =>
        Assert.Single(All<V1ConfigMap>(), c => c.Metadata.Name.StartsWith(name + "-", StringComparison.Ordinal));

    private static async Task<RenderedManifests> RenderAsync()
    {
        var (exitCode, yaml, error) = await DeployTools.RunAsync(DeployTools.Kubectl, "kustomize", Overlay);
        Assert.True(exitCode == 0, $"kubectl kustomize {Overlay} failed ({exitCode}): {error}");
        var objects = KubernetesYaml.LoadAllFromString(yaml);
        var templates = KubernetesYaml.LoadAllFromString(
            File.ReadAllText(Path.Combine(DeployTools.Repository, "deploy", "kubernetes", "secrets", "secrets.template.yaml")));
        return new RenderedManifests(yaml, objects, templates.Cast<V1Secret>().ToList());
    }
}
