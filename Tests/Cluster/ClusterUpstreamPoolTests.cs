using System.Diagnostics;
using MailKit.Net.Imap;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// README "UpstreamPools" on real processes: two Silos place users on a pool of two real Dovecots; a user lands on the
/// same backend through either front end; when that backend stops, its users move to the other, and when it returns
/// they come back.
/// </summary>
public sealed class ClusterUpstreamPoolTests(UpstreamPoolClusterDeployment deployment) : IClassFixture<UpstreamPoolClusterDeployment>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Logs in through <paramref name="frontend"/>, tells the backend from the INBOX marker, logs out.</summary>
    private static async Task<int> BackendOfNewLoginAsync(FrontendProcess frontend, string user)
    {
        using var client = await ClusterImap.LoginAsync(frontend, user, user + "-password", cancellationToken: Ct);
        var backend = await BackendOfAsync(client);
        await client.DisconnectAsync(quit: true, Ct);
        return backend;
    }

    private static Task<int> BackendOfAsync(ImapClient client) => BackendMarkers.BackendOfAsync(client, Ct);

    [Fact]
    public async Task AUserStaysOnOneBackendMovesWhenItStopsAndComesBackWhenItReturns()
    {
        var output = TestContext.Current.TestOutputHelper;
        var home = await BackendOfNewLoginAsync(deployment.FrontendA, "alice");
        for (var i = 0; i < 4; i++)
            Assert.Equal(home, await BackendOfNewLoginAsync(deployment.Frontends[i % 2], "alice"));

        var other = 1 - home;
        await deployment.Backends[home].StopAsync();
        var stopped = Stopwatch.StartNew();
        // The first login after the stop fails over on the connect failure; every one after goes to the other backend.
        for (var i = 0; i < 4; i++)
            Assert.Equal(other, await BackendOfNewLoginAsync(deployment.Frontends[i % 2], "alice"));
        output?.WriteLine($"alice served by backend {other} within {stopped.Elapsed.TotalSeconds:0.0} s of backend {home} stopping");

        await deployment.Backends[home].StartAgainAsync(Ct);
        var started = Stopwatch.StartNew();
        // Back through both front ends: the health the silos hold lags the backend by up to a probe round, in both
        // directions (a silo may learn of the stop only after the backend is back, and then of its return).
        while (await BackendOfNewLoginAsync(deployment.FrontendA, "alice") != home || await BackendOfNewLoginAsync(deployment.FrontendB, "alice") != home)
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"alice did not return to backend {home} within 30 s\n{deployment.Diagnostics()}");
            await Task.Delay(250, Ct);
        }
        output?.WriteLine($"alice back on backend {home} {started.Elapsed.TotalSeconds:0.0} s after it started again");
    }
}
