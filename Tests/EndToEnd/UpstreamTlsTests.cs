using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// TLS to the upstream against a real Dovecot: implicit TLS and STARTTLS/STLS for IMAP and POP3 verified against the
/// test CA (by IP SAN, by name, by pin); a wrong name, a wrong CA or a pin mismatch ends in the internal error, a
/// warning naming the upstream, and no login at Dovecot, never plaintext.
/// </summary>
[Collection(nameof(UpstreamTlsCollection))]
public sealed class UpstreamTlsTests(UpstreamTlsFixture fixture)
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);

    internal static async Task<List<string>> ImapLoginAsync(int port, string user, string password, byte[]? proxyHeader = null)
    {
        await using var client = await LineClient.ConnectAsync(port);
        if (proxyHeader is not null) await client.SendAsync(proxyHeader);
        Assert.StartsWith("* OK", await client.ReadLineAsync(Slow));
        await client.SendAsync($"a1 LOGIN {user} {password}\r\n");
        // Every line up to the tagged reply, or up to the close (an internal error closes the connection).
        var lines = new List<string>();
        while (await client.ReadLineAsync(Slow) is { } line)
        {
            lines.Add(line);
            if (line.StartsWith("a1 ", StringComparison.Ordinal)) break;
        }
        if (lines.Count > 0 && lines[^1].StartsWith("a1 OK", StringComparison.Ordinal))
        {
            await client.SendAsync("a2 SELECT INBOX\r\n");
            lines.AddRange(await client.ReadUntilAsync("a2 ", Slow));
        }
        return lines;
    }

    /// <summary>
    /// Dovecot's login line for <paramref name="user"/> written after <paramref name="logMark"/> (the log's length
    /// before the test's login), waited for: the log is written asynchronously.
    /// </summary>
    internal static async Task<string> DovecotLoginLineAsync(DovecotServer dovecot, int logMark, string user, Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow + Slow;
        while (true)
        {
            var line = dovecot.ReadLog()[logMark..].Split('\n').LastOrDefault(l => l.Contains($"Login: user=<{user}>", StringComparison.Ordinal) && match(l));
            if (line is not null) return line;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"no matching Dovecot login for {user}:\n{dovecot.Diagnostics()}");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("imap", true)]
    [InlineData("imap", false)]
    [InlineData("name", true)]
    [InlineData("pin", true)]
    public async Task ImapLogsInOverVerifiedTls(string listener, bool implicitTls)
    {
        var port = implicitTls ? fixture.ImapsPort : fixture.Dovecot.ImapPort;
        using var answer = fixture.Stack.AnswerFor("alice", fixture.Route(port));
        var mark = fixture.Dovecot.ReadLog().Length;

        var lines = await ImapLoginAsync(fixture.Proxy.Port(listener), "alice", "alice-password");

        Assert.StartsWith("a2 OK", lines[^1]);
        // Dovecot marks a login over TLS with "TLS" (a trusted plaintext one with "secured").
        await DovecotLoginLineAsync(fixture.Dovecot, mark, "alice", l => l.Contains(", TLS", StringComparison.Ordinal) && l.Contains("imap-login", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pop3LogsInOverVerifiedTls(bool implicitTls)
    {
        var port = implicitTls ? fixture.Pop3sPort : fixture.Dovecot.Pop3Port;
        using var answer = fixture.Stack.AnswerFor("alice", fixture.Route(port));
        var mark = fixture.Dovecot.ReadLog().Length;

        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("pop3"));
        Assert.StartsWith("+OK", await client.ReadLineAsync(Slow));
        await client.SendAsync("USER alice\r\n");
        Assert.StartsWith("+OK", await client.ReadLineAsync(Slow));
        await client.SendAsync("PASS alice-password\r\n");
        Assert.StartsWith("+OK", await client.ReadLineAsync(Slow));
        await client.SendAsync("STAT\r\n");
        Assert.StartsWith("+OK 0 0", await client.ReadLineAsync(Slow));
        await DovecotLoginLineAsync(fixture.Dovecot, mark, "alice", l => l.Contains("pop3-login", StringComparison.Ordinal)
            && l.Contains(", TLS", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("wrongname", true, "does not match the name \"other.test\"")]
    [InlineData("wrongname", false, "does not match the name \"other.test\"")]
    [InlineData("wrongca", true, "chain not trusted")]
    [InlineData("badpin", true, "matches no ProxySslPin")]
    [InlineData("badpin", false, "matches no ProxySslPin")]
    public async Task AFailedVerificationIsAnInternalErrorNeverPlaintext(string listener, bool implicitTls, string reason)
    {
        var port = implicitTls ? fixture.ImapsPort : fixture.Dovecot.ImapPort;
        using var answer = fixture.Stack.AnswerFor("bob", fixture.Route(port));

        var lines = await ImapLoginAsync(fixture.Proxy.Port(listener), "bob", "bob-password");

        Assert.Equal(["* BAD internal server error"], lines.Where(l => l.StartsWith("* BAD", StringComparison.Ordinal) || l.StartsWith("a1", StringComparison.Ordinal)));
        Assert.Contains(fixture.Proxy.Logs.Lines, l => l.Contains($"upstream 127.0.0.1:{port} TLS refused", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain("Login: user=<bob>", fixture.Dovecot.ReadLog(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A refused STARTTLS, and plaintext the upstream sends after its go-ahead (injection, which TLS would otherwise
    /// seem to vouch for): the internal error, the reason logged, and no LOGIN ever reaches the upstream.
    /// </summary>
    [Theory]
    [InlineData("S1 BAD not now\r\n", "upstream refused STARTTLS: S1 BAD not now")]
    [InlineData("S1 OK go ahead\r\n* OK [ALERT] injected in plaintext\r\n", "bytes after its STARTTLS reply")]
    public async Task AStartTlsThatGoesWrongEndsTheSessionBeforeLogin(string startTlsReply, string logged)
    {
        await using var upstream = new ScriptedStartTlsUpstream(startTlsReply);
        using var answer = fixture.Stack.AnswerFor("bob", fixture.Route(upstream.Port));

        var lines = await ImapLoginAsync(fixture.Proxy.Port("starttls"), "bob", "bob-password");

        Assert.Equal(["* BAD internal server error"], lines);
        Assert.Contains(fixture.Proxy.Logs.Lines, l => l.Contains(logged, StringComparison.Ordinal));
        Assert.DoesNotContain("LOGIN", upstream.Received, StringComparison.Ordinal);
    }
}

[CollectionDefinition(nameof(UpstreamTlsCollection))]
public sealed class UpstreamTlsCollection : ICollectionFixture<UpstreamTlsFixture>;
