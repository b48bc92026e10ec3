using System.Text.RegularExpressions;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// deploy/README.md's steps name what the manifests use: its <c>kubectl create secret</c> commands create exactly the
/// Secrets of the template (same names and types), and every environment variable of the Deployments is in its table.
/// </summary>
public sealed partial class DeployGuideTests
{
    private static string Guide => File.ReadAllText(Path.Combine(DeployTools.Repository, "deploy", "README.md"));

    [Fact]
    public async Task TheGuideCreatesExactlyTheSecretsTheManifestsUse()
    {
        var m = await RenderedManifests.GetAsync();
        var created = CreateSecret().Matches(Guide)
            .Select(c => (Name: c.Groups["name"].Value, Type: c.Groups["type"].Value == "tls" ? "kubernetes.io/tls" : "Opaque"))
            .Distinct().OrderBy(s => s.Name).ToList();
        Assert.Equal(m.SecretTemplates.Select(s => (s.Metadata.Name, s.Type)).OrderBy(s => s.Name), created);
    }

    [Fact]
    public async Task TheGuidesTableListsEveryVariableOfTheDeployments()
    {
        var m = await RenderedManifests.GetAsync();
        var guide = Guide;
        foreach (var container in new[] { m.Silo, m.Frontend }.Select(d => Assert.Single(d.Spec.Template.Spec.Containers)))
            foreach (var variable in container.Env.Where(e => DeployedConfigurationKeys.KeyOf(e.Name) is not null || DeployedConfigurationKeys.OrleansKubernetesVariables.Contains(e.Name)))
                Assert.True(guide.Contains($"`{variable.Name}`", StringComparison.Ordinal) || guide.Contains($"`{TableSpelling(variable.Name)}`", StringComparison.Ordinal),
                    $"deploy/README.md does not list {variable.Name}");
    }

    /// <summary>The table writes sibling keys once: <c>Cluster__Tls__Key</c> as <c>…Key</c>.</summary>
    private static string TableSpelling(string variable) => "…" + variable[(variable.LastIndexOf("__", StringComparison.Ordinal) + 2)..];

    [GeneratedRegex(@"kubectl -n orleansmail create secret (?<type>tls|generic) (?<name>[a-z0-9-]+)")]
    private static partial Regex CreateSecret();
}
