using System.Globalization;
using System.Text.Json;

namespace OrleansMail.Tests.Support;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by .ci/install-test-deps.sh) running headless with a private
/// profile, driven over the Chrome DevTools Protocol on a loopback port it picks itself. It failing to start is a
/// test failure with its output in the message, never a skip.
/// <code>await using var chromium = await HeadlessChromium.StartAsync(); var page = await chromium.OpenPageAsync(headers);</code>
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Debian's launcher script (it execs /usr/lib/chromium/chromium with the flags of /etc/chromium.d).</summary>
    public const string Binary = "/usr/bin/chromium";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ServerProcess _process;
    private readonly string _profile;

    private HeadlessChromium(ServerProcess process, string profile, DevToolsSession devTools)
    {
        _process = process;
        _profile = profile;
        DevTools = devTools;
    }

    /// <summary>The browser-wide DevTools connection.</summary>
    public DevToolsSession DevTools { get; }

    /// <summary>What Chromium wrote to stdout and stderr.</summary>
    public string Output => _process.Output;

    /// <summary>
    /// Starts Chromium and connects to it. <c>--remote-debugging-port=0</c> lets it pick a free port, which it writes,
    /// with the browser endpoint's path, to <c>DevToolsActivePort</c> in the profile folder once it listens.
    /// </summary>
    public static async Task<HeadlessChromium> StartAsync(CancellationToken cancellationToken = default)
    {
        var profile = ServerProcess.CreateTempDirectory("orleansmail-chromium-");
        string[] arguments =
        [
            "--headless=new",
            // Tests run as root on CI, where Chromium refuses to start with its sandbox; the pages it opens are ours.
            "--no-sandbox",
            "--disable-gpu",
            // Containers give /dev/shm 64 MB, too little for the renderer.
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            // The servers are on loopback: no proxy from the environment may come between.
            "--no-proxy-server",
            "--window-size=1280,1000",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            $"--user-data-dir={profile}",
            "about:blank",
        ];
        var process = ServerProcess.Start("chromium", Binary, arguments, profile);
        try
        {
            var activePort = Path.Combine(profile, "DevToolsActivePort");
            string[] lines = [];
            await process.WaitUntilReadyAsync(
                _ =>
                {
                    lines = File.Exists(activePort) ? ServerProcess.ReadShared(activePort).Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
                    return Task.FromResult(lines.Length >= 2);
                },
                StartTimeout, () => $"--- chromium output ---\n{process.Output}", cancellationToken).ConfigureAwait(false);

            var endpoint = new Uri($"ws://127.0.0.1:{int.Parse(lines[0].Trim(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)}{lines[1].Trim()}");
            var devTools = await DevToolsSession.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            return new HeadlessChromium(process, profile, devTools);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            await ServerProcess.DeleteDirectoryAsync(profile).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A new tab whose every request (the page, its scripts and the XHRs a single-page app makes) carries
    /// <paramref name="headers"/> (<c>Network.setExtraHTTPHeaders</c>).
    /// </summary>
    public async Task<ChromiumPage> OpenPageAsync(IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken = default)
    {
        var target = await DevTools.SendAsync("Target.createTarget", new { url = "about:blank" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var attached = await DevTools.SendAsync("Target.attachToTarget",
            new { targetId = target.GetProperty("targetId").GetString(), flatten = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var page = new ChromiumPage(DevTools, attached.GetProperty("sessionId").GetString()!);
        await page.SendAsync("Page.enable", null, cancellationToken).ConfigureAwait(false);
        // A desktop-sized viewport, whatever size the new tab got, so the screenshot shows what an operator sees.
        await page.SendAsync("Emulation.setDeviceMetricsOverride", new { width = 1280, height = 1000, deviceScaleFactor = 1, mobile = false }, cancellationToken).ConfigureAwait(false);
        await page.SendAsync("Network.enable", null, cancellationToken).ConfigureAwait(false);
        await page.SendAsync("Network.setExtraHTTPHeaders", new { headers }, cancellationToken).ConfigureAwait(false);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await DevTools.DisposeAsync().ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        await ServerProcess.DeleteDirectoryAsync(_profile).ConfigureAwait(false);
    }
}
