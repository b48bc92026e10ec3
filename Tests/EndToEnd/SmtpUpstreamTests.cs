using System.Diagnostics;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.SmtpWire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The upstream login dialogue (src/mail/ngx_mail_proxy_module.c) against a scripted upstream that records every line: the exact
/// XCLIENT command, replayed greetings, proxy_smtp_auth, multi-line replies, and what the client sees when the
/// upstream refuses or hangs up mid-login (<c>451 4.3.2 Internal server error</c>, or its own line with
/// proxy_pass_error_message).
/// </summary>
public sealed class SmtpUpstreamTests(SmtpProxyFixture fixture) : IClassFixture<SmtpProxyFixture>
{
    private Task<LineClient> OpenAsync(string listener = "smtp") => SmtpWire.OpenAsync(fixture.Proxy.Port(listener));

    /// <summary>
    /// Until disposed, the auth server sends <paramref name="login"/> (alice, or <see cref="ProxyStack.EmptyLogin"/> for
    /// smtp_auth none) to <paramref name="upstream"/>, with <paramref name="user"/> and <paramref name="pass"/> if given.
    /// </summary>
    private IDisposable RouteTo(ScriptedSmtpUpstream upstream, string login = "alice", string? user = null, string? pass = null) =>
        fixture.Stack.AnswerFor(login, _ => AuthReply.Ok("127.0.0.1", upstream.Port, user, pass));

    [Fact]
    public async Task XclientCarriesTheClientAndTheClientsGreetingIsReplayed()
    {
        await using var upstream = new ScriptedSmtpUpstream();
        using var route = RouteTo(upstream);
        await using var c = await OpenAsync();
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "235 2.0.0 OK");
        var lines = upstream.Lines;
        Assert.Equal(3, lines.Count);
        Assert.Equal("EHLO proxy.test", lines[0]);
        Assert.Matches(
            $"^XCLIENT ADDR=127\\.0\\.0\\.1 LOGIN=alice NAME=\\[UNAVAILABLE\\] PORT=[0-9]+ PROTO=ESMTP HELO=client\\.example DESTADDR=127\\.0\\.0\\.1 DESTPORT={fixture.Proxy.Port("smtp")}$",
            lines[1]);
        Assert.Equal("EHLO client.example", lines[2]);
    }

    [Fact]
    public async Task XclientSendsOnlyTheAttributesTheUpstreamOffersBeyondNginxs()
    {
        await using var upstream = new ScriptedSmtpUpstream(answer: line =>
            line.StartsWith("EHLO", StringComparison.Ordinal) ? "250-old\r\n250 XCLIENT NAME ADDR LOGIN\r\n" : ScriptedSmtpUpstream.DefaultAnswer(line));
        using var route = RouteTo(upstream);
        await using var c = await OpenAsync();
        await c.ExpectAsync("HELO client.example\r\n", "250 proxy.test");
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "235 2.0.0 OK");
        Assert.Equal(["EHLO proxy.test", "XCLIENT ADDR=127.0.0.1 LOGIN=alice NAME=[UNAVAILABLE]", "HELO client.example"], upstream.Lines);
    }

    [Fact]
    public async Task AnUpstreamWithoutXclientGetsNoneAndNoReplayedGreeting()
    {
        await using var upstream = new ScriptedSmtpUpstream(answer: line =>
            line.StartsWith("EHLO", StringComparison.Ordinal) ? "250-plain\r\n250 8BITMIME\r\n" : ScriptedSmtpUpstream.DefaultAnswer(line));
        using var route = RouteTo(upstream);
        await using var c = await OpenAsync();
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "235 2.0.0 OK");
        Assert.Equal(["EHLO proxy.test"], upstream.Lines);
    }

    [Fact]
    public async Task WithXclientOffAHeloClientGetsHeloAndTheEnvelopeIsReplayed()
    {
        await using var upstream = new ScriptedSmtpUpstream();
        using var route = RouteTo(upstream, ProxyStack.EmptyLogin);
        await using var c = await OpenAsync("noxclient");
        await c.ExpectAsync("HELO client.example\r\n", "250 proxy.test");
        await c.ExpectAsync("MAIL FROM:<a@b.example> SIZE=10\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("RCPT TO:<c@example.test>\r\n", "250 2.1.5 Ok");
        Assert.Equal(["HELO proxy.test", "MAIL FROM:<a@b.example> SIZE=10", "RCPT TO:<c@example.test>"], upstream.Lines);
    }

    [Fact]
    public async Task ProxySmtpAuthLogsInWithAuthPlainAndLeavesLoginOutOfXclient()
    {
        await using var upstream = new ScriptedSmtpUpstream();
        using var route = RouteTo(upstream, user: "alice@backend", pass: "backend-secret");
        await using var c = await OpenAsync("proxyauth");
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "235 2.0.0 OK");
        var lines = upstream.Lines;
        Assert.Equal("EHLO proxy.test", lines[0]);
        Assert.Matches("^XCLIENT ADDR=127\\.0\\.0\\.1 NAME=\\[UNAVAILABLE\\] PORT=[0-9]+ DESTADDR=127\\.0\\.0\\.1 DESTPORT=[0-9]+$", lines[1]);
        // No client greeting to replay: AUTH came before EHLO.
        Assert.Equal("AUTH PLAIN " + B64("\0alice@backend\0backend-secret"), lines[2]);
        Assert.Equal(3, lines.Count);
    }

    [Fact]
    public async Task MultiLineRepliesAreReadEverywhereAndAMultiLineRcptReplyIsRelayed()
    {
        await using var upstream = new ScriptedSmtpUpstream("220-scripted\r\n220-says\r\n220 hello\r\n", line => line.Split(' ')[0] switch
        {
            "XCLIENT" => "220-scripted\r\n220 again\r\n",
            "EHLO" => ScriptedSmtpUpstream.EhloWithXclient,
            "MAIL" => "250-first\r\n250 2.1.0 Ok\r\n",
            "RCPT" => "451-4.7.1 greylisted,\r\n451 4.7.1 come back later\r\n",
            _ => "250 Ok\r\n",
        });
        using var route = RouteTo(upstream, ProxyStack.EmptyLogin);
        await using var c = await OpenAsync("none");
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync("MAIL FROM:<a@b.example>\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("RCPT TO:<c@example.test>\r\n", "451-4.7.1 greylisted,", "451 4.7.1 come back later");
        Assert.Equal(5, upstream.Lines.Count);
        Assert.StartsWith("XCLIENT ADDR=127.0.0.1 NAME=[UNAVAILABLE] PORT=", upstream.Lines[1]);
    }

    [Theory]
    [InlineData("hang up at connect")]
    [InlineData("refuse in the greeting")]
    [InlineData("EHLO")]
    [InlineData("XCLIENT")]
    [InlineData("MAIL")]
    [InlineData("RCPT")]
    [InlineData("hang up mid-reply")]
    public async Task AnUpstreamThatBreaksMidLoginIsAnInternalError(string breakdown)
    {
        await using var hangUp = new ScriptedUpstream(greeting: null, hangUp: true);
        await using var upstream = breakdown switch
        {
            "refuse in the greeting" => new ScriptedSmtpUpstream("554 5.3.2 busy\r\n"),
            "hang up mid-reply" => new ScriptedSmtpUpstream(answer: line =>
                line.StartsWith("EHLO", StringComparison.Ordinal) ? "250-scripted\r\n250-PIPELINING\r\n" + ScriptedSmtpUpstream.ThenHangUp : null),
            _ => new ScriptedSmtpUpstream(answer: line =>
                line.StartsWith(breakdown, StringComparison.Ordinal) ? null : ScriptedSmtpUpstream.DefaultAnswer(line)),
        };
        using var route = fixture.Stack.AnswerFor(ProxyStack.EmptyLogin, _ => AuthReply.Ok("127.0.0.1", breakdown == "hang up at connect" ? hangUp.Port : upstream.Port));
        await using var c = await OpenAsync("none");
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync("MAIL FROM:<a@b.example>\r\n", "250 2.0.0 OK");
        var clock = Stopwatch.StartNew();
        await c.ExpectAsync("RCPT TO:<c@example.test>\r\n", "451 4.3.2 Internal server error");
        await c.AssertClosedAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AnUpstreamThatNeverGreetsIsAnInternalErrorAfterTheTimeout()
    {
        await using var silent = new ScriptedSmtpUpstream(greeting: null);
        using var route = RouteTo(silent);
        // The login dialogue is bounded by timeout (3 s on strict).
        await using var c = await OpenAsync("strict");
        var clock = Stopwatch.StartNew();
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "451 4.3.2 Internal server error");
        await c.AssertClosedAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task WithProxyPassErrorMessageTheUpstreamsRefusalIsShown()
    {
        await using var upstream = new ScriptedSmtpUpstream("554-5.3.2 busy\r\n554 5.3.2 try later\r\n");
        using var route = RouteTo(upstream);
        await using var c = await OpenAsync("passerror");
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "554-5.3.2 busy", "554 5.3.2 try later");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task AnUpstreamThatRefusesXclientIsAnInternalError()
    {
        await using var upstream = new ScriptedSmtpUpstream(answer: line =>
            line.StartsWith("XCLIENT", StringComparison.Ordinal) ? "550 5.7.0 insufficient authorization\r\n" : ScriptedSmtpUpstream.DefaultAnswer(line));
        using var route = RouteTo(upstream);
        await using var c = await OpenAsync();
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "451 4.3.2 Internal server error");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task ALoginWithSpecialCharactersIsXtextEncodedInXclient()
    {
        await using var upstream = new ScriptedSmtpUpstream();
        using var route = RouteTo(upstream, user: "evil ADDR=10.9.8.7 a+b=c j\u00f6rg");
        await using var c = await OpenAsync();
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "235 2.0.0 OK");
        Assert.StartsWith("XCLIENT ADDR=127.0.0.1 LOGIN=evil+20ADDR+3D10.9.8.7+20a+2Bb+3Dc+20j+C3+B6rg NAME=[UNAVAILABLE] PORT=", upstream.Lines[1]);
    }

    [Fact]
    public async Task CrOrLfInAuthUserNeverReachesTheUpstream()
    {
        await using var upstream = new ScriptedSmtpUpstream();
        foreach (var injected in new[] { "evil\rRSET", "evil\nRSET", "evil\r\nRSET" })
        {
            await using var auth = new RawTcpResponder(System.Text.Encoding.ASCII.GetBytes(
                $"HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\nAuth-Port: {upstream.Port}\r\nAuth-User: {injected}\r\nAuth-Pass: x\r\n\r\n"));
            await using var proxy = await ProxyUnderTest.StartAsync([("AuthHttp", auth.Url), ("Timeout", "5s")],
                new Dictionary<string, (string, string)[]> { ["smtp"] = [("Protocol", "smtp")] });
            await using var c = await SmtpWire.OpenAsync(proxy.Port("smtp"));
            await c.SendAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n");
            var reply = await c.ReadLineAsync();
            // Either the reply is refused as malformed, or the login is one xtext value: never a line of its own.
            Assert.True(reply is "451 4.3.2 Internal server error" or "235 2.0.0 OK", reply);
        }
        Assert.DoesNotContain(upstream.Lines, l => l.StartsWith("RSET", StringComparison.Ordinal));
        // Every XCLIENT line is only known attributes, each one NAME=value token.
        Assert.All(upstream.Lines.Where(l => l.StartsWith("XCLIENT", StringComparison.Ordinal)), l =>
            Assert.All(l.Split(' ').Skip(1), a => Assert.Matches("^(ADDR|LOGIN|NAME|PORT|PROTO|HELO|DESTADDR|DESTPORT)=[^ ]+$", a)));
    }

    [Fact]
    public async Task AClientThatLeavesInAnyStateLeavesNothingBehind()
    {
        await using var upstream = new ScriptedSmtpUpstream();
        await using var silent = new ScriptedSmtpUpstream(greeting: null);
        var logLinesBefore = fixture.Proxy.Logs.Lines.Count;
        // Before the delayed greeting; after EHLO; mid-AUTH; mid-MAIL/RCPT.
        await using (await LineClient.ConnectAsync(fixture.Proxy.Port("delay"))) { }
        await using (var c = await OpenAsync()) await c.ExpectAsync("EHLO x\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await using (var c = await OpenAsync()) await c.ExpectAsync("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6");
        await using (var c = await OpenAsync("none")) await c.ExpectAsync("MAIL FROM:<a@b>\r\n", "250 2.0.0 OK");

        // While the auth server decides.
        using (fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok("127.0.0.1", upstream.Port).After(TimeSpan.FromSeconds(2))))
        await using (var c = await OpenAsync())
        {
            await c.SendAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n");
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }

        // While the upstream login runs (an upstream that never greets).
        using (RouteTo(silent))
        await using (var c = await OpenAsync())
        {
            await c.SendAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n");
            await WaitUntilAsync(() => silent.OpenConnections == 1);
        }

        // While relaying.
        using (RouteTo(upstream))
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "235 2.0.0 OK");
            Assert.Equal(1, upstream.OpenConnections);
        }

        // Every upstream connection the proxy opened for them is closed, and nothing logged an error.
        await WaitUntilAsync(() => silent.OpenConnections == 0 && upstream.OpenConnections == 0);
        Assert.DoesNotContain(fixture.Proxy.Logs.Lines.Skip(logLinesBefore),
            l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
