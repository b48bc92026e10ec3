using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Logging;

/// <summary>
/// With the JSON configuration the session's events reach Microsoft.Extensions.Logging with their fixed EventIds and
/// the session's fields as structured properties of its scope (README "Logging").
/// </summary>
public sealed class SessionLogFieldsTests(ImapProxyFixture fixture) : IClassFixture<ImapProxyFixture>
{
    [Fact]
    public async Task ALoginsEventsCarryTheirEventIdsAndTheSessionsFields()
    {
        await using (var wire = await LineClient.ConnectAsync(fixture.Proxy.Port()))
        {
            await wire.ReadLineAsync();
            await wire.SendAsync("a1 LOGIN alice alice-password\r\n");
            await wire.ReadUntilAsync("a1 ");
            await wire.SendAsync("a2 LOGOUT\r\n");
            await wire.ReadUntilAsync("a2 ");
        }

        var server = $"Server=127.0.0.1:{fixture.Proxy.Port()}";
        var upstream = $"Upstream={fixture.Dovecot.Host}:{fixture.Dovecot.ImapPort}";
        var loggedIn = await WaitForLineAsync("ImapSession[1002]: client logged in", server);
        Assert.StartsWith("Information", loggedIn, StringComparison.Ordinal);
        Assert.Matches(@"ConnectionNumber=\d+, Client=127\.0\.0\.1, " + System.Text.RegularExpressions.Regex.Escape(server) + ", Login=alice, " + System.Text.RegularExpressions.Regex.Escape(upstream), loggedIn);
        var connectionId = System.Text.RegularExpressions.Regex.Match(loggedIn, @"ConnectionNumber=(\d+)").Groups[1].Value;
        Assert.True(fixture.Proxy.Logs.Lines.Any(l => l.Contains($"ImapSession[1001]: *{connectionId} client 127.0.0.1:", StringComparison.Ordinal)), string.Join("\n", fixture.Proxy.Logs.Lines.Where(l => l.Contains("Session", StringComparison.Ordinal))));
    }

    /// <summary>A client that says nothing for <c>timeout</c> (2 s on the "strict" listener): nginx's info line, with the session's fields.</summary>
    [Fact]
    public async Task AnIdleClientTimesOutWithNginxsLine()
    {
        var server = $"Server=127.0.0.1:{fixture.Proxy.Port("strict")}";
        await using (var wire = await LineClient.ConnectAsync(fixture.Proxy.Port("strict")))
        {
            await wire.ReadLineAsync();
            Assert.True(await wire.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }
        var line = await WaitForLineAsync("ImapSession[1014]: client timed out (110: Connection timed out) while in auth state", server);
        Assert.StartsWith("Information", line, StringComparison.Ordinal);
    }

    /// <summary>The first captured line holding both texts, waited for up to 10 s (the session logs after it replies).</summary>
    private async Task<string> WaitForLineAsync(string message, string server)
    {
        for (var waited = 0; ; waited += 100)
        {
            var line = fixture.Proxy.Logs.Lines.FirstOrDefault(l => l.Contains(message, StringComparison.Ordinal) && l.Contains(server, StringComparison.Ordinal));
            if (line is not null) return line;
            Assert.True(waited < 10_000, $"no line with '{message}' and '{server}'");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
