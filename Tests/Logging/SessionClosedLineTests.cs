using System.Text;
using System.Text.RegularExpressions;
using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Logging;

/// <summary>
/// Every session ends with one line (EventId 1021, README "Logging"): protocol, how it ended, its duration, the client's
/// address and port, TLS, the bytes relayed each way; the scope adds the server, the login (escaped) and the upstream.
/// Never a password.
/// </summary>
public sealed class SessionClosedLineTests(ImapProxyFixture fixture) : IClassFixture<ImapProxyFixture>
{
    [Fact]
    public async Task ARelayedSessionEndsWithItsLineAndTheBytesRelayed()
    {
        long sent = 0, received = 0;
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port()))
        {
            await client.ReadLineAsync();
            await client.SendAsync("a LOGIN alice alice-password\r\n");
            await client.ReadUntilAsync("a ");
            const string noop = "b NOOP\r\n";
            await client.SendAsync(noop);
            sent += noop.Length;
            received += (await client.ReadUntilAsync("b ")).Sum(l => Encoding.ASCII.GetByteCount(l) + 2);
        }

        var server = $"127.0.0.1:{fixture.Proxy.Port()}";
        var line = await WaitForLineAsync(server, "Login=alice,");
        AssertLine(
            "^Information OrleansMail\\.Frontend\\.Imap\\.ImapSession\\[1021\\]: imap session closed \\(client_closed\\) after \\d+\\.\\d{3}s, " +
            $"client 127\\.0\\.0\\.1:\\d+, plaintext, bytes from/to client:{sent}/{received}  \\| ConnectionId=\\w+, ConnectionNumber=\\d+, Client=127\\.0\\.0\\.1, " +
            $"Server={Regex.Escape(server)}, Login=alice, Upstream={Regex.Escape($"{fixture.Dovecot.Host}:{fixture.Dovecot.ImapPort}")}$", line);
        Assert.DoesNotContain("alice-password", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASessionWhoseLoginFailedEndsWithItsLineAndNoBytes()
    {
        using var answer = fixture.Stack.AnswerFor("m\"allory", _ => AuthReply.Fail("Invalid login or password"));
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port()))
        {
            await client.ReadLineAsync();
            await client.SendAsync("a LOGIN \"m\\\"allory\" guess-secret\r\n");
            await client.ReadUntilAsync("a ");
            await client.IsClosedAsync(TimeSpan.FromSeconds(10));
        }

        var server = $"127.0.0.1:{fixture.Proxy.Port()}";
        var line = await WaitForLineAsync(server, "Login=m\\x22allory,");
        AssertLine(
            "^Information OrleansMail\\.Frontend\\.Imap\\.ImapSession\\[1021\\]: imap session closed \\(login_failed\\) after \\d+\\.\\d{3}s, " +
            "client 127\\.0\\.0\\.1:\\d+, plaintext, bytes from/to client:0/0  \\| ConnectionId=\\w+, ConnectionNumber=\\d+, Client=127\\.0\\.0\\.1, " +
            $"Server={Regex.Escape(server)}, Login=m\\\\x22allory, Upstream=$", line);
        Assert.DoesNotContain("guess-secret", line, StringComparison.Ordinal);
    }

    private static void AssertLine(string pattern, string line) => Assert.True(Regex.IsMatch(line, pattern), line);

    /// <summary>The closing line of this listener's session with <paramref name="login"/> in its scope, waited for up to 10 s.</summary>
    private async Task<string> WaitForLineAsync(string server, string login)
    {
        for (var waited = 0; ; waited += 100)
        {
            var line = fixture.Proxy.Logs.Lines.FirstOrDefault(l => l.Contains("ImapSession[1021]", StringComparison.Ordinal)
                && l.Contains($"Server={server},", StringComparison.Ordinal) && l.Contains(login, StringComparison.Ordinal));
            if (line is not null) return line;
            Assert.True(waited < 10_000, $"no closing line for {login} on {server}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
