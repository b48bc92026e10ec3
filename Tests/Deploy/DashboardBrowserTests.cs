using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrleansMail.Tests.Cluster;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// What an operator sees through the internal Service (deploy/kubernetes/base/silo/admin-service.yaml,
/// <c>kubectl port-forward service/orleansmail-admin 8081:8081</c>): the Orleans dashboard of a two-silo cluster on
/// Redis with cluster TLS on, opened in a real headless Chromium (Debian's package) with the admin token as HTTP Basic
/// password, lists both silos as Active; a screenshot of the page is kept as a test artefact. The Service's port
/// leads to each silo's health port (Health:Urls), which ManifestCrossReferenceTests checks; here the browser goes
/// to that port of one silo "pod" directly, as the Service would.
/// </summary>
public sealed class DashboardBrowserTests
{
    /// <summary>Where the screenshot is kept, under the test output folder.</summary>
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard.png");

    private static readonly string AdminToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The rows of the "Silo Health" table as text: those whose first cell links to the silo's page (<c>#/host/ADDRESS</c>).
    /// The "Silo Map" table below it starts its rows with a header cell, and puts all silos of a zone in one row.
    /// </summary>
    private const string SiloHealthRows =
        "JSON.stringify(Array.from(document.querySelectorAll('tr'))" +
        ".filter(r => r.cells.length > 0 && r.cells[0].tagName === 'TD' && r.cells[0].querySelector('a[href^=\"#/host/\"]'))" +
        ".map(r => r.innerText))";

    [Fact]
    public async Task TheDashboardInChromiumShowsBothSilosWithTheAdminTokenAndAnswers401WithoutIt()
    {
        var elapsed = Stopwatch.StartNew();
        await using var redis = await RedisServer.StartAsync(Ct);
        var cluster = ClusterIdentity.Unique(redis.ConnectionString);
        var settings = new Dictionary<string, string> { ["Admin:Token"] = AdminToken };
        var starts = new[] { "Silo 1", "Silo 2" }.Select(name => SiloProcess.StartAsync(cluster, name, extra: settings)).ToList();
        var silos = new List<SiloProcess>();
        try
        {
            try { await Task.WhenAll(starts); }
            finally { silos.AddRange(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result)); }
            var dashboard = $"http://127.0.0.1:{silos[0].HealthPort.ToString(CultureInfo.InvariantCulture)}/dashboard/";

            // Without the token: 401 and the Basic challenge a browser turns into a prompt (AdminRequestGuard).
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
            using (var refused = await http.GetAsync(dashboard, Ct))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Equal("Basic", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
            }

            await using var chromium = await HeadlessChromium.StartAsync(Ct);
            // Basic with the token as password, what the browser sends once the operator answers the prompt; set on
            // every request of the tab, so the dashboard's own XHRs (DashboardCounters every second) carry it too.
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + AdminToken));
            var page = await chromium.OpenPageAsync(new Dictionary<string, string> { ["Authorization"] = basic }, Ct);
            await page.NavigateAsync(dashboard + "#/silos", Ct);

            // #/silos: one row per silo with its address (127.0.0.1:PORT@GENERATION, PORT its Cluster:SiloPort) and status.
            var wanted = silos.Select(s => $"127.0.0.1:{s.SiloPort.ToString(CultureInfo.InvariantCulture)}@").ToList();
            var deadline = Stopwatch.StartNew();
            string[] rows = [];
            bool BothActive() => wanted.All(address => rows.Any(row => row.Contains(address, StringComparison.Ordinal) && row.Contains("Active", StringComparison.Ordinal)));
            string? lastError = null;
            while (true)
            {
                try
                {
                    var json = await page.EvaluateStringAsync(SiloHealthRows, Ct);
                    rows = json is null ? [] : JsonSerializer.Deserialize<string[]>(json) ?? [];
                }
                catch (InvalidOperationException e)
                {
                    lastError = e.Message; // the document is still being replaced: no context to evaluate in yet
                }
                if (BothActive() || deadline.Elapsed > TimeSpan.FromSeconds(30)) break;
                await Task.Delay(250, Ct);
            }

            // Kept whatever the outcome: the picture of a failure says most.
            Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
            await File.WriteAllBytesAsync(ScreenshotPath, await page.ScreenshotAsync(Ct), Ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {ScreenshotPath}");

            var text = await page.EvaluateStringAsync("document.body ? document.body.innerText : ''", Ct);
            Assert.True(BothActive(),
                $"the dashboard never listed {string.Join(" and ", wanted)} as Active within 30 s; screenshot {ScreenshotPath}\n" +
                $"--- page text ---\n{text}\n--- last evaluation error ---\n{lastError}\n--- chromium output ---\n{chromium.Output}");
            Assert.Equal(2, rows.Length);
            TestContext.Current.TestOutputHelper?.WriteLine($"both silos shown after {deadline.Elapsed.TotalSeconds:0.0} s in the browser, {elapsed.Elapsed.TotalSeconds:0.0} s in all");
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }
}
