using System.Globalization;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// README "The two commands", the first try — the Frontend with its shipped appsettings.json (the ports moved to free
/// ones) and deploy/examples/auth_http_example.py given one upstream per protocol — logs in over IMAP to Dovecot's
/// IMAP, over POP3 to Dovecot's POP3 and over SMTP to Postfix.
/// </summary>
public sealed class QuickStartAuthExampleTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task AFirstLoginOfEachProtocolReachesAServerOfThatProtocol()
    {
        var server = dovecot.Server;
        await using var postfix = await PostfixServer.StartAsync(Timeout);
        var ports = ServerProcess.GetFreeTcpPorts(6);
        var script = Path.Combine(DotnetAppProcess.SolutionDirectory(), "deploy", "examples", "auth_http_example.py");
        var directory = ServerProcess.CreateTempDirectory("orleansmail-quickstart-");
        await using var auth = ServerProcess.Start("auth_http_example.py", "/usr/bin/python3",
            [script, "--listen", $"127.0.0.1:{P(ports[0])}", "--imap", $"{server.Host}:{P(server.ImapPort)}",
             "--pop3", $"{server.Host}:{P(server.Pop3Port)}", "--smtp", $"{postfix.Host}:{P(postfix.Port)}"], directory);
        await auth.WaitUntilReadyAsync(async ct =>
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync("127.0.0.1", ports[0], ct);
            return true;
        }, TimeSpan.FromSeconds(30), () => auth.Output, Timeout);

        // appsettings.json's three listeners, on free ports (a configuration that names listeners replaces the shipped list).
        await using var frontend = DotnetAppProcess.Start("Frontend", new Dictionary<string, string>
        {
            ["Mail:AuthHttp"] = $"http://127.0.0.1:{P(ports[0])}/auth",
            ["Mail:Servers:0:Listen"] = $"127.0.0.1:{P(ports[1])}",
            ["Mail:Servers:0:Protocol"] = "imap",
            ["Mail:Servers:1:Listen"] = $"127.0.0.1:{P(ports[2])}",
            ["Mail:Servers:1:Protocol"] = "pop3",
            ["Mail:Servers:2:Listen"] = $"127.0.0.1:{P(ports[3])}",
            ["Mail:Servers:2:Protocol"] = "smtp",
            ["Cluster:SiloPort"] = P(ports[4]),
            ["Cluster:GatewayPort"] = P(ports[5]),
        }, "frontend (quick start)");
        await frontend.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(ports[1], null, ct) == Cluster.FrontendProcess.Greeting,
            TimeSpan.FromSeconds(60), "the IMAP greeting", Timeout);

        using (var imap = new ImapClient { Timeout = 20_000 })
        {
            await imap.ConnectAsync("127.0.0.1", ports[1], SecureSocketOptions.None, Timeout);
            await imap.AuthenticateAsync("alice", "alice-password", Timeout);
            await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Timeout);
            await imap.DisconnectAsync(true, Timeout);
        }
        using (var pop3 = new Pop3Client { Timeout = 20_000 })
        {
            await pop3.ConnectAsync("127.0.0.1", ports[2], SecureSocketOptions.None, Timeout);
            await pop3.AuthenticateAsync("bob", "bob-password", Timeout);
            Assert.True(await pop3.GetMessageCountAsync(Timeout) >= 0); // a POP3 STAT, answered by Dovecot's POP3
            await pop3.DisconnectAsync(true, Timeout);
        }
        using (var smtp = new SmtpClient { Timeout = 20_000, LocalDomain = "mailkit.example" })
        {
            await smtp.ConnectAsync("127.0.0.1", ports[3], SecureSocketOptions.None, Timeout);
            await smtp.AuthenticateAsync(new SaslMechanismPlain("alice", "alice-password"), Timeout);
            await smtp.NoOpAsync(Timeout); // answered by Postfix
            await smtp.DisconnectAsync(true, Timeout);
        }
    }
}
