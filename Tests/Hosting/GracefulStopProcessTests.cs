using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Hosting;

/// <summary>
/// A rolling update's stop of the real Frontend process (<c>Frontend.dll -p PREFIX -c FILE</c>, README "Graceful
/// rollouts"), with <c>shutdown_delay 4s</c> and <c>worker_shutdown_timeout 5s</c>: on SIGTERM <c>/health/ready</c>
/// answers 503 at once; a client connecting during the delay is still greeted; after it connections are refused;
/// relayed IMAP and POP3 sessions to a real Dovecot go on working through the timeout and then get <c>* BYE</c> and
/// <c>-ERR</c> and are closed, as does a pre-login SMTP session with <c>421 4.3.2</c>; the process exits with 0.
/// </summary>
public sealed class GracefulStopProcessTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Task<HttpStatusCode?> StatusAsync(string url) => HealthProbe.StatusAsync(url, Timeout);

    /// <summary>True when a TCP connection to <paramref name="port"/> is refused (nothing listens).</summary>
    private static async Task<bool> RefusedAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, Timeout);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }

    [Fact]
    public async Task OnTermNotReadyAtOnceAcceptsDuringTheDelayThenDrainsAndClosesWithTheProtocolsLine()
    {
        await using var dovecot = await DovecotServer.StartAsync(("alice", "alice-password"));
        var imapLogin = TestAuthServer.UsersAndPasswords(dovecot.Users, dovecot.Host, dovecot.ImapPort);
        var pop3Login = TestAuthServer.UsersAndPasswords(dovecot.Users, dovecot.Host, dovecot.Pop3Port);
        await using var auth = await TestAuthServer.StartAsync(request => request.Decoded("Auth-Protocol") == "pop3" ? pop3Login(request) : imapLogin(request));
        var directory = ServerProcess.CreateTempDirectory("orleansmail-stop-");
        var ports = ServerProcess.GetFreeTcpPorts(6);
        var (imap, pop3, smtp, health) = (ports[0], ports[1], ports[2], ports[3]);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"),
            $"pid run/orleansmail.pid;\nhealth_listen 127.0.0.1:{P(health)};\n" +
            $"shutdown_delay {Delay.TotalSeconds}s;\nworker_shutdown_timeout {Drain.TotalSeconds}s;\n" +
            $"cluster_silo_port {P(ports[4])};\ncluster_gateway_port {P(ports[5])};\ncluster_id stop-{Guid.NewGuid():N};\n" +
            $"mail {{\n    auth_http {auth.Url};\n    server_name proxy.test;\n" +
            $"    server {{ listen 127.0.0.1:{P(imap)}; protocol imap; }}\n" +
            $"    server {{ listen 127.0.0.1:{P(pop3)}; protocol pop3; }}\n" +
            $"    server {{ listen 127.0.0.1:{P(smtp)}; protocol smtp; }}\n}}\n", Timeout);
        var ready = $"http://127.0.0.1:{P(health)}/health/ready";

        await using var app = DotnetAppProcess.StartWithArguments("Frontend", "frontend graceful stop", ServerProcess.CreateTempDirectory("orleansmail-stop-run-"),
            Path.Combine(directory, "nginx.conf"), "-p", directory, "-c", "nginx.conf");
        await app.WaitUntilAsync(async _ => await StatusAsync(ready) == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "200 from /health/ready", Timeout);

        // Established before the stop: relayed IMAP and POP3 sessions, and an SMTP client that has not logged in.
        await using var imapSession = await LineClient.ConnectAsync(imap);
        Assert.Equal("* OK IMAP4 ready", await imapSession.ReadLineAsync());
        await imapSession.SendAsync("a LOGIN alice alice-password\r\n");
        Assert.StartsWith("a OK", (await imapSession.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
        await using var pop3Session = await LineClient.ConnectAsync(pop3);
        Assert.StartsWith("+OK POP3 ready", await pop3Session.ReadLineAsync(), StringComparison.Ordinal);
        await pop3Session.SendAsync("USER alice\r\n");
        Assert.StartsWith("+OK", await pop3Session.ReadLineAsync(), StringComparison.Ordinal);
        await pop3Session.SendAsync("PASS alice-password\r\n");
        Assert.StartsWith("+OK", await pop3Session.ReadLineAsync(), StringComparison.Ordinal);
        await using var smtpSession = await LineClient.ConnectAsync(smtp);
        Assert.Equal("220 proxy.test ESMTP ready", await smtpSession.ReadLineAsync());
        await smtpSession.SendAsync("EHLO client.test\r\n");
        await smtpSession.ReadUntilAsync("250 ");

        using (var kill = Process.Start("kill", ["-TERM", P(app.Id)])) await kill.WaitForExitAsync(Timeout);
        var term = Stopwatch.StartNew();
        await app.WaitUntilAsync(async _ => await StatusAsync(ready) == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(2), "503 from /health/ready at once after TERM", Timeout);

        // During shutdown_delay a new client is still accepted and greeted (the load balancer has not caught up yet).
        await using (var late = await LineClient.ConnectAsync(imap))
        {
            Assert.Equal("* OK IMAP4 ready", await late.ReadLineAsync());
            Assert.True(term.Elapsed < Delay, $"greeted {term.Elapsed.TotalSeconds:0.0} s after TERM, not within the delay");
        }

        // Then the listeners close: connections are refused, not before the delay has passed.
        await app.WaitUntilAsync(async _ => await RefusedAsync(imap), Delay + TimeSpan.FromSeconds(3), "the IMAP port refusing connections", Timeout);
        Assert.True(term.Elapsed >= Delay - TimeSpan.FromMilliseconds(500), $"refused {term.Elapsed.TotalSeconds:0.0} s after TERM, before the {Delay.TotalSeconds} s delay");
        // The listeners close one after another, not in one instant: the POP3 port follows within moments.
        await app.WaitUntilAsync(async _ => await RefusedAsync(pop3), TimeSpan.FromSeconds(2), "the POP3 port refusing connections", Timeout);

        // The established sessions go on working while they may (worker_shutdown_timeout from the listeners' close).
        await imapSession.SendAsync("b NOOP\r\n");
        Assert.StartsWith("b OK", (await imapSession.ReadUntilAsync("b "))[^1], StringComparison.Ordinal);
        await pop3Session.SendAsync("NOOP\r\n");
        Assert.StartsWith("+OK", await pop3Session.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(ready));

        // Then each gets its protocol's closing line, and the connection is closed.
        var wait = Delay + Drain + TimeSpan.FromSeconds(10);
        Assert.Equal("* BYE Server shutting down", await imapSession.ReadLineAsync(wait));
        Assert.True(term.Elapsed >= Delay + Drain - TimeSpan.FromSeconds(1), $"* BYE came {term.Elapsed.TotalSeconds:0.0} s after TERM, before delay + timeout");
        Assert.True(await imapSession.IsClosedAsync(), "the IMAP connection stays open after * BYE");
        Assert.Equal("-ERR [SYS/TEMP] Server shutting down", await pop3Session.ReadLineAsync(wait));
        Assert.True(await pop3Session.IsClosedAsync(), "the POP3 connection stays open after -ERR");
        Assert.Equal("421 4.3.2 Service shutting down, closing transmission channel", await smtpSession.ReadLineAsync(wait));
        Assert.True(await smtpSession.IsClosedAsync(), "the SMTP connection stays open after 421");

        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        await ServerProcess.DeleteDirectoryAsync(directory);
    }
}
