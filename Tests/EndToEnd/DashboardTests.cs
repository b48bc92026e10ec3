using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The Orleans dashboard on the Frontend's admin listener (embedded silo): behind the admin token (bearer, or Basic
/// with the token as password for a browser), serving its page and its JSON API, and never showing a password or an
/// Auth-Pass, even after logins put them through the grains.
/// </summary>
public sealed class DashboardTests(LoginPolicyProxyFixture fixture) : IClassFixture<LoginPolicyProxyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Http(AuthenticationHeaderValue? authorization) => AdminHttp.Create(fixture.AdminUrl, authorization);

    private static AuthenticationHeaderValue Bearer(string token) => AdminHttp.Bearer(token)!;

    private static AuthenticationHeaderValue Basic(string user, string password) => AdminHttp.Basic(user, password);

    [Fact]
    public async Task TheDashboardNeedsTheAdminToken()
    {
        foreach (var authorization in new[] { null, Bearer("not-the-token"), Basic("admin", "not-the-token"), Basic(LoginPolicyProxyFixture.AdminToken, "") })
        {
            using var http = Http(authorization);
            foreach (var path in new[] { "/dashboard/", "/dashboard/index.html", "/dashboard/index.min.js", "/dashboard/ClusterStats", "/dashboard/version" })
            {
                using var response = await http.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                // A browser then asks the operator for the token.
                Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
            }
        }
    }

    [Fact]
    public async Task WithTheTokenTheDashboardServesItsPageAndItsApi()
    {
        foreach (var authorization in new[] { Bearer(LoginPolicyProxyFixture.AdminToken), Basic("anyone", LoginPolicyProxyFixture.AdminToken) })
        {
            using var http = Http(authorization);
            using var page = await http.GetAsync("/dashboard/", Ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);

            using var stats = await http.GetAsync("/dashboard/ClusterStats", Ct);
            Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
            Assert.Equal("application/json", stats.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await stats.Content.ReadAsStringAsync(Ct));
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task NothingTheDashboardServesShowsAPasswordAfterLogins()
    {
        using var http = Http(Bearer(LoginPolicyProxyFixture.AdminToken));
        // The grain profiler runs only while somebody looks (Microsoft.Orleans.Dashboard): look first, then log in.
        await http.GetStringAsync("/dashboard/ClusterStats", Ct);
        using (var imap = new ImapClient { Timeout = 20_000 })
        {
            await imap.ConnectAsync("127.0.0.1", fixture.Proxy.Port("imap"), SecureSocketOptions.None, Ct);
            await imap.AuthenticateAsync("carol", "carol-password", Ct);
            await imap.DisconnectAsync(true, Ct);
        }
        await using (var wrong = await ImapWire.OpenAsync(fixture.Proxy.Port("imap")))
            await wrong.ExpectAsync("a LOGIN carol guessed-secret\r\n", "a NO Invalid login or password");

        // The counters are sampled every 5 s (SiloBuilderExtensions.DashboardCounterIntervalMs): wait until the login grain's calls show, so the check below sees them.
        await Eventually.AssertAsync(async () => (await http.GetStringAsync("/dashboard/GrainStats/OrleansMail.Grains.Login.UserLoginGrain", Ct))
            .Contains("DecideLogin", StringComparison.Ordinal), "the dashboard showing the login grain's calls", TimeSpan.FromSeconds(30));

        // The silo's first counter sample comes up to one interval after the dashboard was first asked.
        string? silo = null;
        await Eventually.AssertAsync(async () => (silo = JsonDocument.Parse(await http.GetStringAsync("/dashboard/DashboardCounters", Ct))
            .RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("siloAddress").GetString()).FirstOrDefault()) is not null,
            "the dashboard listing the silo", TimeSpan.FromSeconds(30));
        var paths = new List<string>
        {
            "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/TopGrainMethods", "/dashboard/GrainTypes",
            "/dashboard/Reminders", "/dashboard/LifecycleStages",
            "/dashboard/GrainStats/OrleansMail.Grains.Login.UserLoginGrain",
            $"/dashboard/SiloStats/{silo}", $"/dashboard/SiloCounters/{silo}", $"/dashboard/SiloProperties/{silo}", $"/dashboard/HistoricalStats/{silo}",
            "/dashboard/GrainState?grainId=carol&grainType=OrleansMail.Grains.Login.UserLoginGrain",
            "/dashboard/GrainState?grainId=127.0.0.1/32&grainType=OrleansMail.Grains.Login.ClientAddressGrain",
        };
        foreach (var path in paths)
        {
            using var response = await http.GetAsync(path, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("carol-password", body, StringComparison.Ordinal);
            Assert.DoesNotContain("guessed-secret", body, StringComparison.Ordinal);
        }

        // HideTrace: the live log stream, which would name logins and addresses, is off.
        using var trace = await http.GetAsync("/dashboard/Trace", Ct);
        Assert.False(trace.IsSuccessStatusCode);
    }
}
