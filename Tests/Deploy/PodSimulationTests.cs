using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using OrleansMail.Tests.Cluster;
using OrleansMail.Tests.Support;
using StackExchange.Redis;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// The rendered Deployments (deploy/kubernetes/overlays/aks) run as pods simulated by processes (<see cref="SimulatedPod"/>):
/// two silo pods and two Frontend pods, each with its container's args and env as the manifests give them, pod IPs
/// 127.0.0.2–5, the ConfigMap and the Secrets as files (the cluster certificates made by deploy/README.md's own
/// openssl commands, <see cref="GuideClusterPki"/>), a real TLS-only redis-server with the Secret's password, the
/// silos' Kubernetes hosting (Cluster__Kubernetes=true) talking to <see cref="FakeKubernetesApi"/>, a real auth server
/// and a real Dovecot as the upstream. In one run: the cluster forms with cluster TLS on; four users log in over IMAPS
/// through both front ends; after a silo pod is killed (SIGKILL) they log in again through both, each at the first
/// attempt (the Frontend's retry budget covers the failover); a Frontend is rolled (SIGTERM: /health/ready 503 at
/// once, its established session keeps working past ShutdownDelay and holds the process until
/// worker_shutdown_timeout, exit code 0); a silo pod and a Frontend pod with another CA's certificates never become an
/// Active member nor get a login through.
/// <para>
/// What differs from a cluster, and why: the ports the manifests use (11111, 30000, 8081, 8080, 993, 143, 995, 110, 465,
/// 587) are free high ports on the pod's loopback address (several pods share this machine's port space): the silos get
/// Cluster__SiloPort, Cluster__GatewayPort and Health__Urls as extra env; the Frontend's ports are in its ConfigMap
/// file, so its <c>listen</c> and <c>health_listen</c> lines are edited (an nginx.conf directive wins over env).
/// The ConfigMap's auth server and Redis endpoint become the test's (auth_http in the file, REDIS_ENDPOINT and AUTH_HTTP
/// as the values their configMapKeyRef would give). Cluster__RedisTlsCa (extra env) trusts the test Redis' private CA
/// (a managed Redis has a publicly trusted certificate). KUBECONFIG names the fake API server instead of the service
/// account. The drain is shortened so the test takes seconds: ShutdownDelay 2s (env) and worker_shutdown_timeout 4s
/// (file) instead of 10 s and 40 s.
/// </para>
/// </summary>
public sealed partial class PodSimulationTests
{
    /// <summary>Four users, so their login grains live on both silos (whichever one is killed held some).</summary>
    private static readonly (string User, string Password)[] Users =
        [("alice", "alice-password"), ("bob", "bob-password"), ("carol", "carol-password"), ("dave", "dave-password")];
    private static readonly TimeSpan ShutdownDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheRenderedPodsFormATlsClusterSurviveASiloKillRollAFrontendAndRefuseAStrangerCertificate()
    {
        var clock = Stopwatch.StartNew();
        var m = await RenderedManifests.GetAsync();
        using var pki = GuideClusterPki.Create();
        using var strangerPki = GuideClusterPki.Create(); // the same commands again: another CA
        using var mailCertificates = UpstreamTestCertificates.Create();
        var redisPassword = PodEnvironment.SecretValue("orleansmail-redis", "password");
        var shared = ClusterTestCertificates.Shared;
        await using var redis = await RedisServer.StartAsync(new RedisTls(shared.RedisCertificatePath, shared.RedisKeyPath, shared.RedisCaPath, redisPassword), Ct);
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(dovecot.Users, dovecot.Host, dovecot.ImapPort));
        await using var api = await FakeKubernetesApi.StartAsync("orleansmail");
        var scratch = ServerProcess.CreateTempDirectory("orleansmail-sim-");
        var kubeconfig = api.WriteKubeconfig(scratch);
        var redisEndpoint = $"{redis.Host}:{P(redis.Port)}";
        var ticketKey = Path.Combine(scratch, "ticket.key");
        File.WriteAllBytes(ticketKey, System.Security.Cryptography.RandomNumberGenerator.GetBytes(80));

        string SecretFile(GuideClusterPki cluster, string secret, string key) => (secret, key) switch
        {
            ("orleansmail-mail-tls", "tls.crt") => mailCertificates.ServerCertificatePath,
            ("orleansmail-mail-tls", "tls.key") => mailCertificates.ServerKeyPath,
            ("orleansmail-ticket-keys", "ticket.key") => ticketKey,
            ("orleansmail-cluster-ca", "ca.crt") => Path.Combine(cluster.Directory, "cluster-ca.crt"),
            ("orleansmail-silo-cluster-tls", _) => Path.Combine(cluster.Directory, "silo" + Path.GetExtension(key)),
            ("orleansmail-frontend-cluster-tls", _) => Path.Combine(cluster.Directory, "frontend" + Path.GetExtension(key)),
            _ => throw new Xunit.Sdk.XunitException($"no test file for Secret {secret} key {key}"),
        };

        var pods = new List<SimulatedPod>();
        try
        {
            SimulatedPod StartSilo(string name, string ip, GuideClusterPki cluster)
            {
                api.AddPod(name);
                var ports = ServerProcess.GetFreeTcpPorts(3);
                var pod = SimulatedPod.Start(m.Silo, m, name, ip, (s, k) => SecretFile(cluster, s, k),
                    new Dictionary<string, string> { ["POD_NAME"] = name, ["POD_IP"] = ip, ["REDIS_ENDPOINT"] = redisEndpoint, ["AUTH_HTTP"] = auth.Url },
                    new Dictionary<string, string>
                    {
                        ["Cluster__SiloPort"] = P(ports[0]),
                        ["Cluster__GatewayPort"] = P(ports[1]),
                        ["Health__Urls"] = $"http://{ip}:{P(ports[2])}",
                        ["Cluster__RedisTlsCa"] = shared.RedisCaPath,
                        ["KUBECONFIG"] = kubeconfig,
                    });
                pods.Add(pod);
                return pod;
            }

            var frontendPorts = new Dictionary<string, (Dictionary<int, int> Mail, int Health)>();
            SimulatedPod StartFrontend(string name, string ip, GuideClusterPki cluster)
            {
                var free = ServerProcess.GetFreeTcpPorts(7);
                var mail = new[] { 993, 143, 995, 110, 465, 587 }.Select((port, i) => (port, free[i])).ToDictionary(p => p.port, p => p.Item2);
                frontendPorts[name] = (mail, free[6]);
                var pod = SimulatedPod.Start(m.Frontend, m, name, ip, (s, k) => SecretFile(cluster, s, k),
                    new Dictionary<string, string> { ["POD_NAME"] = name, ["POD_IP"] = ip, ["REDIS_ENDPOINT"] = redisEndpoint },
                    new Dictionary<string, string> { ["Cluster__RedisTlsCa"] = shared.RedisCaPath, ["ShutdownDelay"] = $"{ShutdownDelay.TotalSeconds}s" },
                    (_, file) =>
                    {
                        file = ListenPort().Replace(file, l => $"{l.Groups[1].Value}listen {ip}:{P(mail[int.Parse(l.Groups[2].Value, CultureInfo.InvariantCulture)])}");
                        file = HealthListen().Replace(file, $"health_listen {ip}:{P(free[6])};");
                        file = AuthHttp().Replace(file, $"auth_http {auth.Url};");
                        return WorkerShutdownTimeout().Replace(file, $"worker_shutdown_timeout {Drain.TotalSeconds}s;");
                    });
                pods.Add(pod);
                return pod;
            }

            string Ready(SimulatedPod pod) => frontendPorts.ContainsKey(pod.Name)
                ? $"http://{pod.Ip}:{P(frontendPorts[pod.Name].Health)}/health/ready"
                : pod.Environment["Health__Urls"] + "/health/ready";
            Task WaitReadyAsync(SimulatedPod pod) => pod.App.WaitUntilAsync(
                async ct => await HealthProbe.StatusAsync(Ready(pod), ct) == HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"200 from {Ready(pod)}", Ct);
            async Task<ImapClient> LoginAsync(SimulatedPod frontend, string user = "alice", string password = "alice-password")
            {
                var client = new ImapClient { Timeout = 20_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
                try
                {
                    await client.ConnectAsync(frontend.Ip, frontendPorts[frontend.Name].Mail[993], SecureSocketOptions.SslOnConnect, Ct);
                    await client.AuthenticateAsync(user, password, Ct);
                    await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
                    return client;
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
            }
            // Every user logs in and out through the front end (at the same time).
            Task LoginAndOutAsync(SimulatedPod frontend) => Task.WhenAll(Users.Select(async u =>
            {
                using var client = await LoginAsync(frontend, u.User, u.Password);
                await client.DisconnectAsync(quit: true, Ct);
            }));

            // The cluster: two silo pods, then two Frontend pods; each ready as its readiness probe sees it.
            var siloA = StartSilo("orleansmail-silo-a", "127.0.0.2", pki);
            var siloB = StartSilo("orleansmail-silo-b", "127.0.0.3", pki);
            await Task.WhenAll(WaitReadyAsync(siloA), WaitReadyAsync(siloB));
            var frontendA = StartFrontend("orleansmail-frontend-a", "127.0.0.4", pki);
            var frontendB = StartFrontend("orleansmail-frontend-b", "127.0.0.5", pki);
            await Task.WhenAll(WaitReadyAsync(frontendA), WaitReadyAsync(frontendB));
            var formed = clock.Elapsed;
            var cluster = new ClusterIdentity(redisEndpoint, siloA.Environment["Cluster__ServiceId"], siloA.Environment["Cluster__ClusterId"]);
            Assert.Equal(["orleansmail-silo-a", "orleansmail-silo-b"], (await ActiveSilosAsync(cluster, redisPassword)).Order());

            // IMAPS (993) through both front ends to Dovecot, the login decided by a grain on a silo.
            await LoginAndOutAsync(frontendA);
            await LoginAndOutAsync(frontendB);

            // kill -9 a silo pod (the pod is gone from the API as after a node failure): logins go on through both.
            await siloA.App.KillAsync();
            api.DeletePod(siloA.Name);
            var killed = Stopwatch.StartNew();
            await Task.WhenAll(LoginAndOutAsync(frontendA), LoginAndOutAsync(frontendB));
            var afterKill = killed.Elapsed;

            // Strangers: a silo pod and a Frontend pod whose cluster certificate and CA come from another run of the
            // guide's commands; checked once the roll below is done.
            var stranger = StartSilo("orleansmail-silo-stranger", "127.0.0.6", strangerPki);
            var strangerFrontend = StartFrontend("orleansmail-frontend-stranger", "127.0.0.7", strangerPki);
            var strangerStarted = Stopwatch.StartNew();

            // Roll frontend-a: SIGTERM with an established session.
            using var session = await LoginAsync(frontendA);
            using (var term = Process.Start("kill", ["-TERM", P(frontendA.App.Id)])) await term!.WaitForExitAsync(Ct);
            var termed = Stopwatch.StartNew();
            await frontendA.App.WaitUntilAsync(async ct => await HealthProbe.StatusAsync(Ready(frontendA), ct) == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(2), "503 from /health/ready at once after TERM", Ct);
            var notReady = termed.Elapsed;
            // Meanwhile the other front end serves new logins.
            await LoginAndOutAsync(frontendB);
            // Past the ShutdownDelay (the listeners closed) the established session still works.
            var untilClosed = ShutdownDelay + TimeSpan.FromSeconds(0.5) - termed.Elapsed;
            // Real time is the point: the Frontend process's ShutdownDelay after SIGTERM.
            if (untilClosed > TimeSpan.Zero) await Task.Delay(untilClosed, Ct);
            await session.NoOpAsync(Ct);
            Assert.Equal(0, await frontendA.App.WaitForExitAsync(ShutdownDelay + Drain + TimeSpan.FromSeconds(15)));
            var exited = termed.Elapsed;
            await Assert.ThrowsAnyAsync<Exception>(() => session.NoOpAsync(Ct)); // closed at the end of the drain
            // Not cut before the grace period: the session kept the process until ShutdownDelay + worker_shutdown_timeout.
            Assert.True(exited >= ShutdownDelay + Drain - TimeSpan.FromSeconds(1), $"exited {exited.TotalSeconds:0.0} s after TERM, before delay + drain");
            Assert.True(exited < ShutdownDelay + Drain + TimeSpan.FromSeconds(5), $"exited only {exited.TotalSeconds:0.0} s after TERM");

            // The stranger never becomes an Active member (its TLS handshakes with the cluster's members fail).
            var strangerWait = TimeSpan.FromSeconds(15) - strangerStarted.Elapsed;
            var deadline = Stopwatch.StartNew();
            do
            {
                Assert.DoesNotContain(stranger.Name, await ActiveSilosAsync(cluster, redisPassword));
                await Task.Delay(500, Ct);
            }
            while (deadline.Elapsed < strangerWait && !stranger.App.HasExited);
            Assert.Equal(["orleansmail-silo-b"], await ActiveSilosAsync(cluster, redisPassword));
            // The stranger Frontend, 15 s on, is not ready and gets no login through (it never reached a gateway).
            Assert.NotEqual(HttpStatusCode.OK, await HealthProbe.StatusAsync(Ready(strangerFrontend), Ct));
            string strangerLoginResult;
            try
            {
                using var client = await LoginAsync(strangerFrontend);
                strangerLoginResult = "logged in";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                strangerLoginResult = $"{e.GetType().Name}: {e.Message}";
            }
            Assert.NotEqual("logged in", strangerLoginResult);
            Assert.False(strangerFrontend.App.HasExited, strangerFrontend.App.Diagnostics());
            await LoginAndOutAsync(frontendB);

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"pod simulation: cluster formed in {formed.TotalSeconds:0.0} s, logins after the kill took {afterKill.TotalSeconds:0.0} s, " +
                $"503 {notReady.TotalMilliseconds:0} ms after TERM, exit {exited.TotalSeconds:0.0} s after TERM, stranger Frontend's login: {strangerLoginResult}, " +
                $"total {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"the simulation took {clock.Elapsed.TotalSeconds:0.0} s");
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{string.Join("\n", pods.Select(p => p.App.Diagnostics()))}", e);
        }
        finally
        {
            await Task.WhenAll(pods.Select(pod => pod.DisposeAsync().AsTask()));
            await ServerProcess.DeleteDirectoryAsync(scratch);
        }
    }

    /// <summary>The names of the Active silos in the membership table (our own TLS Redis on loopback: its certificate is not checked here).</summary>
    private static async Task<IReadOnlyList<string>> ActiveSilosAsync(ClusterIdentity cluster, string password)
    {
        var options = ConfigurationOptions.Parse(cluster.Redis);
        options.Ssl = true;
        options.Password = password;
        options.CertificateValidation += (_, _, _, _) => true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var fields = await redis.GetDatabase().HashGetAllAsync(cluster.MembershipKey);
        return fields.Where(f => f.Name != "Version")
            .Select(f => Cluster.MembershipEntry.Parse(f.Name!, f.Value!))
            .Where(e => e.Status == Cluster.MembershipEntry.Active)
            .Select(e => SiloName(e.Json))
            .ToList();
    }

    private static string SiloName(string entry)
    {
        using var json = JsonDocument.Parse(entry);
        return json.RootElement.GetProperty("SiloName").GetString()!;
    }

    [GeneratedRegex(@"(?m)^(\s*)listen\s+(\d+)(?=[\s;])")]
    private static partial Regex ListenPort();

    [GeneratedRegex(@"health_listen\s+[^;]+;")]
    private static partial Regex HealthListen();

    [GeneratedRegex(@"auth_http\s+[^;]+;")]
    private static partial Regex AuthHttp();

    [GeneratedRegex(@"worker_shutdown_timeout\s+[^;]+;")]
    private static partial Regex WorkerShutdownTimeout();
}
