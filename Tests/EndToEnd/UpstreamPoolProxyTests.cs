using System.Net.Http.Headers;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Sticky upstreams through the proxy to two real Dovecots, with MailKit: a user keeps landing on one backend;
/// when it stops, the login fails over at once (connect failure) and, once the checks mark it down, goes to the
/// other directly; when it starts again, the user comes back. A drained backend takes no new logins while a session
/// already on it keeps working.
/// </summary>
public sealed class UpstreamPoolProxyTests(UpstreamPoolProxyFixture fixture) : IClassFixture<UpstreamPoolProxyFixture>
{
    private const string FailoverLine = "could not be reached";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = new Uri(fixture.AdminUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", UpstreamPoolProxyFixture.AdminToken);
        return http;
    }

    private int Failovers() => fixture.Proxy.Logs.Lines.Count(l => l.Contains(FailoverLine, StringComparison.Ordinal));

    private async Task<ImapClient> LogInAsync(string user)
    {
        var client = new ImapClient { Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Proxy.Port("imap"), SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync(user, user + "-password", Ct);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        return client;
    }

    /// <summary>Which backend the session reached.</summary>
    private static Task<int> BackendOfAsync(ImapClient client) => BackendMarkers.BackendOfAsync(client, Ct);

    /// <summary>Logs in, tells the backend, logs out.</summary>
    private async Task<int> BackendForNewLoginAsync(string user)
    {
        using var client = await LogInAsync(user);
        var backend = await BackendOfAsync(client);
        await client.DisconnectAsync(true, Ct);
        return backend;
    }

    private async Task<string> StateAsync(int backend)
    {
        using var admin = Admin();
        using var list = JsonDocument.Parse(await admin.GetStringAsync("/admin/upstreams", Ct));
        var address = UpstreamPoolProxyFixture.Address(fixture.Backends[backend]);
        return list.RootElement.EnumerateArray().Single(u => u.GetProperty("address").GetString() == address).GetProperty("state").GetString()!;
    }

    /// <summary>
    /// Waits until the admin API (the upstream's grain) shows <paramref name="state"/>, then one more cache refresh
    /// (at most a check interval), after which every login grain places by it.
    /// </summary>
    private async Task WaitForStateAsync(int backend, string state)
    {
        await Eventually.AssertAsync(async () => await StateAsync(backend) == state, $"backend {backend} {state}", TimeSpan.FromSeconds(30));
        // Real time is the point: the Frontend process's health cache refreshes on its own check interval.
        await Task.Delay(UpstreamPoolProxyFixture.CheckInterval * 2, Ct);
    }

    [Fact]
    public async Task AUserStaysOnItsBackendMovesWhenItStopsAndComesBackWhenItReturns()
    {
        var home = await BackendForNewLoginAsync("alice");
        var other = 1 - home;
        for (var i = 0; i < 3; i++) Assert.Equal(home, await BackendForNewLoginAsync("alice"));

        await fixture.Backends[home].StopAsync();
        try
        {
            // Straight after the stop nothing has marked it down yet: the front end cannot connect, reports it
            // and fails over to the next upstream in alice's order instead of nginx's internal error.
            var failovers = Failovers();
            Assert.Equal(other, await BackendForNewLoginAsync("alice"));
            Assert.True(Failovers() > failovers, "the first login after the stop failed over");

            // Once the checks mark it down, logins go to the other backend directly.
            await WaitForStateAsync(home, "down");
            failovers = Failovers();
            for (var i = 0; i < 3; i++) Assert.Equal(other, await BackendForNewLoginAsync("alice"));
            Assert.Equal(failovers, Failovers());
        }
        finally
        {
            await fixture.Backends[home].StartAgainAsync(Ct);
        }

        await WaitForStateAsync(home, "up");
        for (var i = 0; i < 3; i++) Assert.Equal(home, await BackendForNewLoginAsync("alice"));
    }

    [Fact]
    public async Task ADrainedBackendTakesNoNewLoginsWhileASessionOnItKeepsWorking()
    {
        using var held = await LogInAsync("bob");
        var home = await BackendOfAsync(held);
        var address = UpstreamPoolProxyFixture.Address(fixture.Backends[home]);
        using var admin = Admin();
        try
        {
            using (var drained = await admin.PostAsync($"/admin/upstreams/{address}/drain", null, Ct))
            {
                drained.EnsureSuccessStatusCode();
                using var body = JsonDocument.Parse(await drained.Content.ReadAsStringAsync(Ct));
                Assert.Equal("draining", body.RootElement[0].GetProperty("state").GetString());
            }
            await WaitForStateAsync(home, "draining");

            for (var i = 0; i < 3; i++) Assert.Equal(1 - home, await BackendForNewLoginAsync("bob"));

            // The established session is the front end's relay to the drained backend: untouched.
            await held.NoOpAsync(Ct);
            Assert.Equal(home, await BackendOfAsync(held));
        }
        finally
        {
            (await admin.PostAsync($"/admin/upstreams/{address}/undrain", null, Ct)).EnsureSuccessStatusCode();
        }

        await WaitForStateAsync(home, "up");
        Assert.Equal(home, await BackendForNewLoginAsync("bob"));
        await held.DisconnectAsync(true, Ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await admin.PostAsync("/admin/upstreams/10.9.9.9:143/drain", null, Ct)).StatusCode);
    }
}
