using System.Text.RegularExpressions;
using k8s.Models;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// A container's environment as the kubelet would give it: values from the downward API (pod labels, a stand-in pod
/// name and IP), from the generated ConfigMaps and from the Secret templates (a stand-in per secret key), and
/// <c>$(NAME)</c> expanded from the variables defined before it, as Kubernetes does.
/// </summary>
public static partial class PodEnvironment
{
    public const string PodIp = "10.244.1.7";

    /// <summary>What a secret key stands for here: a value of a valid shape (the admin token needs 32 bytes).</summary>
    public static string SecretValue(string secret, string key) => $"{secret}-{key}-0123456789abcdefghijklmnopqrstuvwxyz";

    /// <param name="deployment">The rendered Deployment whose first container's env is resolved.</param>
    /// <param name="manifests">The rendered manifests, for the ConfigMaps and Secrets the env refers to.</param>
    /// <param name="sources">
    /// What a <c>valueFrom</c> variable stands for instead of the stand-ins above, by variable name (a simulated pod's
    /// own name and IP, the real Redis and auth server of a test); literal values and their <c>$(NAME)</c> expansion
    /// stay the manifest's.
    /// </param>
    public static IReadOnlyDictionary<string, string> Resolve(V1Deployment deployment, RenderedManifests manifests,
        IReadOnlyDictionary<string, string>? sources = null)
    {
        var pod = deployment.Spec.Template;
        var container = Assert.Single(pod.Spec.Containers);
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container.Env)
        {
            var value = variable.Value is not null
                ? Expand(variable.Value, resolved)
                : sources is not null && sources.TryGetValue(variable.Name, out var source)
                    ? source
                    : From(variable.ValueFrom, pod, manifests);
            resolved[variable.Name] = value;
        }
        return resolved;
    }

    /// <summary>The <c>$(NAME)</c> references in a literal value.</summary>
    public static IEnumerable<string> References(string value) => Reference().Matches(value).Select(m => m.Groups[1].Value);

    private static string Expand(string value, IReadOnlyDictionary<string, string> defined) =>
        Reference().Replace(value, m => defined.TryGetValue(m.Groups[1].Value, out var v)
            ? v
            : throw new Xunit.Sdk.XunitException($"$({m.Groups[1].Value}) is used before it is defined (Kubernetes would leave it unexpanded)"));

    private static string From(V1EnvVarSource source, V1PodTemplateSpec pod, RenderedManifests manifests)
    {
        if (source.FieldRef is { } field)
        {
            var path = field.FieldPath;
            var label = LabelPath().Match(path);
            if (label.Success)
                return pod.Metadata.Labels.TryGetValue(label.Groups[1].Value, out var v) ? v : throw new Xunit.Sdk.XunitException($"{path}: the pod has no such label");
            return path switch
            {
                "metadata.name" => "orleansmail-pod-0",
                "metadata.namespace" => "orleansmail",
                "status.podIP" => PodIp,
                _ => throw new Xunit.Sdk.XunitException($"unexpected downward-API field {path}"),
            };
        }
        if (source.ConfigMapKeyRef is { } configMapKey)
        {
            var configMap = Assert.Single(manifests.All<V1ConfigMap>(), c => c.Metadata.Name == configMapKey.Name);
            Assert.True(configMap.Data.ContainsKey(configMapKey.Key), $"ConfigMap {configMapKey.Name} has no key {configMapKey.Key}");
            return configMap.Data[configMapKey.Key];
        }
        if (source.SecretKeyRef is { } secretKey)
        {
            var secret = Assert.Single(manifests.SecretTemplates, s => s.Metadata.Name == secretKey.Name);
            Assert.True(secret.StringData.ContainsKey(secretKey.Key), $"Secret {secretKey.Name} has no key {secretKey.Key}");
            return SecretValue(secretKey.Name, secretKey.Key);
        }
        throw new Xunit.Sdk.XunitException("an env valueFrom of an unexpected kind");
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^metadata\.labels\['([^']+)'\]$")]
    private static partial Regex LabelPath();
}
