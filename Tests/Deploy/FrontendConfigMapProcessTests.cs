using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// The real Frontend, run as the pod runs it (<c>Frontend.dll -c nginx.conf</c>, the ConfigMap's file and the
/// Deployment's resolved environment), passes nginx's configuration test <c>-t</c>: the file parses, every value and
/// the cluster settings from the environment are accepted, the certificates load. The paths under /etc/orleansmail
/// point at test certificates here (the cluster's made by the guide's own openssl commands), as the Secret volumes
/// would hold the real ones.
/// </summary>
public sealed class FrontendConfigMapProcessTests
{
    [Fact]
    public async Task TheFrontendAcceptsTheConfigMapsFileWithThePodsEnvironment()
    {
        var m = await RenderedManifests.GetAsync();
        using var certificates = UpstreamTestCertificates.Create();
        var directory = ServerProcess.CreateTempDirectory("orleansmail-deploy-");
        var mailTls = Directory.CreateDirectory(Path.Combine(directory, "tls")).FullName;
        File.Copy(certificates.ServerCertificatePath, Path.Combine(mailTls, "tls.crt"));
        File.Copy(certificates.ServerKeyPath, Path.Combine(mailTls, "tls.key"));
        // The cluster certificate as deploy/README.md's commands make it.
        using var pki = GuideClusterPki.Create();

        var ticketKeys = Directory.CreateDirectory(Path.Combine(directory, "ticket-keys")).FullName;
        File.WriteAllBytes(Path.Combine(ticketKeys, "ticket.key"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(80));

        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, m.GeneratedConfigMap("orleansmail-frontend-config").Data["nginx.conf"]
            .Replace("/etc/orleansmail/tls/", mailTls + "/", StringComparison.Ordinal)
            .Replace("/etc/orleansmail/ticket-keys/", ticketKeys + "/", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var environment = pki.Mount(PodEnvironment.Resolve(m.Frontend, m), "frontend");

        await using var frontend = DotnetAppProcess.StartWithArguments("Frontend", "frontend -t (ConfigMap)", directory, file, environment, "-c", file, "-t");
        Assert.True(await frontend.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, frontend.Diagnostics());
        Assert.Contains($"orleansmail: configuration file {file} test is successful", frontend.StandardError, StringComparison.Ordinal);
        // With the admin token from the Secret, /metrics is served (no "is not served" warning).
        Assert.DoesNotContain("/metrics is not served", frontend.Output, StringComparison.Ordinal);
    }
}
