using System.Diagnostics;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.ImapTranscriptTests;
using static OrleansMail.Tests.EndToEnd.Pop3Wire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Byte-exact POP3 transcripts of every pre-login path (src/mail/ngx_mail_handler.c, ngx_mail_pop3_handler.c and ngx_mail_{imap,pop3,smtp}_module.c) against the real proxy, a
/// real HTTP auth server and a real Dovecot behind it.
/// </summary>
public sealed class Pop3TranscriptTests(Pop3ProxyFixture fixture) : IClassFixture<Pop3ProxyFixture>
{
    private Task<LineClient> OpenAsync(string listener = "pop3") => Pop3Wire.OpenAsync(fixture.Proxy.Port(listener));

    private RecordedAuthRequest LastRequestSince(int before) => fixture.Auth.Requests.Skip(before).Single();

    [Fact]
    public async Task CapaNoopAndQuitAnswerAsNginx()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("CAPA\r\n", "+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN", ".");
        await c.ExpectAsync("noop\r\n", "+OK");
        // Bare LF ends a line too (src/mail/ngx_mail_handler.c).
        await c.ExpectAsync("NoOp\n", "+OK");
        await c.ExpectAsync("QUIT\r\n", "+OK");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task TheGreetingCarriesASaltOnlyWhenApopOrCramMd5IsEnabled()
    {
        await using (var c = await OpenAsync("strict"))
            await c.ExpectAsync("NOOP\r\n", "+OK");
        var (first, salt1) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
        var (second, salt2) = await OpenWithSaltAsync(fixture.Proxy.Port("apoponly"));
        await using (first)
        await using (second)
            Assert.NotEqual(salt1, salt2);
    }

    [Fact]
    public async Task CapaAndTheAuthListShowTheEnabledMechanismsPerListener()
    {
        var (mechs, _) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
        await using (mechs)
        {
            await mechs.ExpectAsync("CAPA\r\n", "+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN CRAM-MD5 EXTERNAL", ".");
            await mechs.ExpectAsync("AUTH\r\n", "+OK methods supported:", "PLAIN", "LOGIN", "CRAM-MD5", "EXTERNAL", ".");
        }

        // APOP alone: the SASL line stays, empty, as in nginx; USER/PASS and AUTH PLAIN are still accepted.
        var (apop, _) = await OpenWithSaltAsync(fixture.Proxy.Port("apoponly"));
        await using (apop)
        {
            await apop.ExpectAsync("capa\r\n", "+OK Capability list follows", "TOP", "UIDL", "SASL", ".");
            await apop.ExpectAsync("auth\r\n", "+OK methods supported:", ".");
            await apop.ExpectAsync("USER alice\r\n", "+OK");
        }

        await using var plain = await OpenAsync();
        await plain.ExpectAsync("AUTH\r\n", "+OK methods supported:", "PLAIN", "LOGIN", ".");
    }

    [Fact]
    public async Task UserAndPassLogInAndTheAuthServerHearsNginxsHeaders()
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync("USER alice\r\n", "+OK");
        // CAPA and NOOP keep the USER state (nginx's ngx_pop3_user state).
        await c.ExpectAsync("NOOP\r\n", "+OK");
        await c.SendAsync("PASS alice-password\r\n");
        AssertLoggedIn(await c.ReadLineAsync());
        // Relayed: Dovecot answers STAT now.
        await c.SendAsync("STAT\r\n");
        Assert.Matches("^\\+OK [0-9]+ [0-9]+$", await c.ReadLineAsync());
        await c.SendAsync("QUIT\r\n");
        Assert.StartsWith("+OK", await c.ReadLineAsync());
        await c.AssertClosedAsync();

        var request = LastRequestSince(before);
        Assert.Equal("plain", request["Auth-Method"]);
        Assert.Equal("alice", request["Auth-User"]);
        Assert.Equal("alice-password", request["Auth-Pass"]);
        Assert.Equal("pop3", request["Auth-Protocol"]);
        Assert.Equal("1", request["Auth-Login-Attempt"]);
        Assert.Equal("127.0.0.1", request["Client-IP"]);
        Assert.False(request.Has("Auth-Salt"));
        Assert.False(request.Has("Client-Host"));
        Assert.DoesNotContain(fixture.Proxy.Logs.Lines, l => l.Contains("alice-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExternalSendsTheIdentityWithAnEmptyPassword()
    {
        using var answer = fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.Pop3Port, pass: "alice-password"));
        var before = fixture.Auth.RequestCount;
        var (c, _) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
        await using (c)
        {
            await c.SendAsync($"AUTH EXTERNAL {B64("alice")}\r\n");
            AssertLoggedIn(await c.ReadLineAsync());
        }
        var request = LastRequestSince(before);
        Assert.Equal("external", request["Auth-Method"]);
        Assert.Equal("alice", request["Auth-User"]);
        Assert.Equal("", request["Auth-Pass"]);
        Assert.False(request.Has("Auth-Salt"));
    }

    [Fact]
    public async Task UserAndPassKeepSpacesInsideTheirArgument()
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync("USER   two words \r\n", "+OK");
        await c.ExpectAsync("PASS a  pass word\r\n", "-ERR Invalid login or password");
        await c.AssertClosedAsync();
        var request = LastRequestSince(before);
        Assert.Equal("two words ", request.Decoded("Auth-User"));
        Assert.Equal("a  pass word", request.Decoded("Auth-Pass"));
    }

    [Fact]
    public async Task AThousandBytePasswordWithSpacesWorks()
    {
        // nginx's fixed 128-byte POP3 buffer cuts this off; pop3_client_buffer defaults to 4 KB here.
        var password = fixture.Dovecot.Users["carol"];
        Assert.Equal(1000, password.Length);
        await using var c = await OpenAsync();
        await c.ExpectAsync("USER carol\r\n", "+OK");
        await c.SendAsync($"PASS {password}\r\n");
        AssertLoggedIn(await c.ReadLineAsync());
    }

    [Fact]
    public async Task SaslPlainWithAndWithoutInitialResponseAndSaslLogin()
    {
        var response = B64("\0bob\0bob-password");
        await using (var c = await OpenAsync())
        {
            await c.SendAsync($"AUTH PLAIN {response}\r\n");
            AssertLoggedIn(await c.ReadLineAsync());
        }

        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync("auth plain\r\n", "+ ");
            await c.SendAsync(response + "\r\n");
            AssertLoggedIn(await c.ReadLineAsync());
        }

        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync("AUTH LOGIN\r\n", "+ VXNlcm5hbWU6");
            await c.ExpectAsync(B64("alice") + "\r\n", "+ UGFzc3dvcmQ6");
            await c.SendAsync(B64("alice-password") + "\r\n");
            AssertLoggedIn(await c.ReadLineAsync());
        }
    }

    [Fact]
    public async Task ApopSendsTheDigestAndTheGreetingsSaltToTheAuthServer()
    {
        var before = fixture.Auth.RequestCount;
        var (c, salt) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
        await using (c)
        {
            var digest = Pop3ProxyFixture.ApopDigest(salt, "alice-password");
            await c.SendAsync($"APOP alice {digest}\r\n");
            AssertLoggedIn(await c.ReadLineAsync());
            var request = LastRequestSince(before);
            Assert.Equal("apop", request["Auth-Method"]);
            Assert.Equal("alice", request["Auth-User"]);
            Assert.Equal(digest, request["Auth-Pass"]);
            Assert.Equal(salt, request["Auth-Salt"]);
            Assert.Equal("pop3", request["Auth-Protocol"]);
            Assert.False(request.Has("Client-Host"));
        }
    }

    [Fact]
    public async Task CramMd5ChallengesWithTheGreetingsSalt()
    {
        var before = fixture.Auth.RequestCount;
        var (c, salt) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
        await using (c)
        {
            await c.ExpectAsync("AUTH CRAM-MD5\r\n", "+ " + B64(salt));
            var digest = Pop3ProxyFixture.CramMd5Digest(salt, "bob-password");
            await c.SendAsync(B64("bob " + digest) + "\r\n");
            AssertLoggedIn(await c.ReadLineAsync());
            var request = LastRequestSince(before);
            Assert.Equal("cram-md5", request["Auth-Method"]);
            Assert.Equal("bob", request["Auth-User"]);
            Assert.Equal(digest, request["Auth-Pass"]);
            Assert.Equal(salt, request["Auth-Salt"]);
        }
    }

    [Fact]
    public async Task ARefusedLoginIsTheAuthServersMessageThenAClose()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("USER bob\r\n", "+OK");
        await c.ExpectAsync("PASS wrong\r\n", "-ERR Invalid login or password");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task AfterARefusalWithAuthWaitTheClientStartsAgainFromUser()
    {
        using var answer = fixture.Stack.AnswerFor("bob", request => fixture.DefaultHandler(request) is var reply
            && reply.Headers.Any(h => h.Value == "OK") ? reply : AuthReply.Fail("Invalid login or password", waitSeconds: 1));
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync("USER bob\r\n", "+OK");
        var clock = Stopwatch.StartNew();
        // A password no other test sent: one refused earlier from this address would be refused again locally
        // (bruteforce_repeat_window), with that earlier refusal's Auth-Wait.
        await c.ExpectAsync("PASS wrong-with-wait\r\n", "-ERR Invalid login or password");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"refused after {clock.Elapsed}");
        // Back in the start state: PASS needs a new USER.
        await c.ExpectAsync("PASS bob-password\r\n", "-ERR invalid command");
        await c.ExpectAsync("USER bob\r\n", "+OK");
        await c.SendAsync("PASS bob-password\r\n");
        AssertLoggedIn(await c.ReadLineAsync());
        var requests = fixture.Auth.Requests.Skip(before).ToList();
        Assert.Equal(["1", "2"], requests.Select(r => r["Auth-Login-Attempt"]!).ToArray());
    }

    [Fact]
    public async Task RetriesAfterFailedApopAndCramMd5WithAuthWaitWork()
    {
        // CVE-2026-27651: nginx cleared the APOP/CRAM-MD5 password but not its length, and crashed on the attempt
        // after an Auth-Wait refusal. Here: fail each with Auth-Wait, then succeed, and the session works.
        var errorsBefore = ImapWire.Errors(fixture.Proxy).Count;
        foreach (var mechanism in new[] { "apop", "cram-md5" })
        {
            var calls = 0;
            using var answer = fixture.Stack.AnswerFor("alice", request => Interlocked.Increment(ref calls) == 1
                ? AuthReply.Fail("try again", waitSeconds: 1)
                : fixture.DefaultHandler(request));
            var before = fixture.Auth.RequestCount;
            var (c, salt) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
            await using (c)
            {
                for (var attempt = 1; attempt <= 2; attempt++)
                {
                    if (mechanism == "apop")
                    {
                        await c.SendAsync($"APOP alice {Pop3ProxyFixture.ApopDigest(salt, "alice-password")}\r\n");
                    }
                    else
                    {
                        await c.ExpectAsync("AUTH CRAM-MD5\r\n", "+ " + B64(salt));
                        await c.SendAsync(B64("alice " + Pop3ProxyFixture.CramMd5Digest(salt, "alice-password")) + "\r\n");
                    }
                    var reply = await c.ReadLineAsync();
                    if (attempt == 1) Assert.Equal("-ERR try again", reply);
                    else AssertLoggedIn(reply);
                }
                await c.SendAsync("STAT\r\n");
                Assert.Matches("^\\+OK [0-9]+ [0-9]+$", await c.ReadLineAsync());
            }
            var requests = fixture.Auth.Requests.Skip(before).ToList();
            Assert.Equal(["1", "2"], requests.Select(r => r["Auth-Login-Attempt"]!).ToArray());
            Assert.All(requests, r => Assert.Equal(mechanism, r["Auth-Method"]));
            Assert.All(requests, r => Assert.Equal(salt, r["Auth-Salt"]));
        }
        Assert.Equal(errorsBefore, ImapWire.Errors(fixture.Proxy).Count);
    }

    [Fact]
    public async Task CommandsPipelinedAfterPassReachDovecot()
    {
        await using var c = await OpenAsync();
        await c.SendAsync("USER alice\r\nPASS alice-password\r\nSTAT\r\nNOOP\r\nQUIT\r\n");
        Assert.Equal("+OK", await c.ReadLineAsync());
        AssertLoggedIn(await c.ReadLineAsync());
        Assert.Matches("^\\+OK [0-9]+ [0-9]+$", await c.ReadLineAsync());
        Assert.Equal("+OK", await c.ReadLineAsync());
        Assert.StartsWith("+OK Logging out", await c.ReadLineAsync());
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task PipelinedCommandsBeforeLoginAreAnsweredInOrder()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("NOOP\r\nSTAT\r\nUSER bob\r\nCAPA\r\nNOOP\r\n",
            "+OK", "-ERR invalid command", "+OK", "+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN", ".", "+OK");
    }
}
