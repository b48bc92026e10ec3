using System.Text.Json;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// deploy/azure/main.bicep compiles with the Bicep CLI (NuGet's Azure.Bicep.CommandLine.linux-x64, installed by
/// .ci/install-test-deps.sh) without an error or a linter warning, into an ARM template with the resources the
/// deployment guide relies on. Deploying it needs an Azure subscription, which these machines do not have.
/// </summary>
public sealed class BicepBuildTests
{
    private static string Template => Path.Combine("deploy", "azure", "main.bicep");

    [Fact]
    public async Task MainBicepBuildsCleanly()
    {
        var (exitCode, output, error) = await DeployTools.RunAsync(DeployTools.Bicep, "build", Template, "--stdout");
        Assert.True(exitCode == 0, $"bicep build failed ({exitCode}): {error}");
        Assert.True(error.Trim().Length == 0, $"bicep build reported: {error}");

        using var arm = JsonDocument.Parse(output);
        var resources = arm.RootElement.GetProperty("resources");
        var types = (resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(p => p.Value) : resources.EnumerateArray())
            .Select(r => r.GetProperty("type").GetString()!).ToHashSet();
        foreach (var type in new[]
                 {
                     "Microsoft.ContainerService/managedClusters", "Microsoft.Cache/redisEnterprise", "Microsoft.Cache/redisEnterprise/databases",
                     "Microsoft.Network/publicIPAddresses", "Microsoft.KeyVault/vaults", "Microsoft.ContainerRegistry/registries",
                 })
            Assert.Contains(type, types);

        // The outputs the guide and the AKS overlay take their values from.
        var outputs = arm.RootElement.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToHashSet();
        foreach (var name in new[] { "aksName", "acrLoginServer", "redisHostName", "redisPort", "mailPublicIpName", "resourceGroup", "keyVaultName" })
            Assert.Contains(name, outputs);
    }
}
