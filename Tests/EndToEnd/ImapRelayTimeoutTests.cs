using System.Diagnostics;
using MimeKit;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>proxy_timeout after login: a silent session is closed; server-side traffic (IDLE updates) keeps it open.</summary>
public sealed class ImapRelayTimeoutTests(ImapProxyFixture fixture) : IClassFixture<ImapProxyFixture>
{
    private async Task<LineClient> LoggedInAsync()
    {
        var wire = await LineClient.ConnectAsync(fixture.Proxy.Port("shortrelay"));
        Assert.Equal("* OK IMAP4 ready", await wire.ReadLineAsync());
        await wire.SendAsync("a LOGIN bob bob-password\r\n");
        Assert.StartsWith("a OK", (await wire.ReadUntilAsync("a "))[^1]);
        return wire;
    }

    [Fact]
    public async Task ASessionSilentInBothDirectionsIsClosedAfterProxyTimeout()
    {
        await using var wire = await LoggedInAsync();
        var silent = Stopwatch.StartNew();
        Assert.True(await wire.IsClosedAsync(TimeSpan.FromSeconds(6)));
        // proxy_timeout is 2 s, checked once a second.
        Assert.InRange(silent.Elapsed.TotalSeconds, 1.8, 4.5);
    }

    [Fact]
    public async Task UpdatesFromTheServerDuringIdleKeepTheSessionOpen()
    {
        await using var wire = await LoggedInAsync();
        await wire.SendAsync("s SELECT INBOX\r\n");
        await wire.ReadUntilAsync("s ");
        await wire.SendAsync("i IDLE\r\n");
        Assert.StartsWith("+", await wire.ReadLineAsync());

        // The client says nothing for 5 s (2.5 × proxy_timeout); Dovecot reports a new message every second.
        for (var i = 0; i < 5; i++)
        {
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("x", "x@example.com"));
            message.To.Add(new MailboxAddress("bob", "bob@example.com"));
            message.Subject = "keepalive " + i;
            message.Body = new TextPart("plain") { Text = "tick" };
            await fixture.Dovecot.AppendAsync("bob", message, TestContext.Current.CancellationToken);
            string? update;
            do update = await wire.ReadLineAsync(TimeSpan.FromSeconds(5));
            while (update is not null && !update.EndsWith("EXISTS", StringComparison.Ordinal));
            Assert.NotNull(update);
            // Real time is the point: the Frontend process's proxy_timeout must not end a session its upstream keeps busy.
            await Task.Delay(1000, TestContext.Current.CancellationToken);
        }

        await wire.SendAsync("DONE\r\n");
        Assert.StartsWith("i OK", (await wire.ReadUntilAsync("i "))[^1]);
    }
}
