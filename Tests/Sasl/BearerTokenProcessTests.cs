using System.Globalization;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Sasl.BearerTokenProxyFixture;

namespace OrleansMail.Tests.Sasl;

/// <summary>
/// The bearer-token directives as an operator writes them, through the real Frontend process started from an nginx
/// file (<c>Frontend.dll -p PREFIX -c FILE</c>) in front of real Dovecot: imap_auth xoauth2 oauthbearer,
/// sasl_oauth_plaintext and sasl_oauth_buffer with a 1k imap_client_buffer.
/// </summary>
public sealed class BearerTokenProcessTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task AnNginxFileEnablesTheMechanismsPerServerAndA16kLineLogsIn()
    {
        await using var dovecot = await DovecotServer.StartAsync([("alice", "alice-password")]);
        await using var auth = await TestAuthServer.StartAsync(request =>
            request["Auth-Method"] == "xoauth2" && request.Decoded("Auth-User") == "alice" && request.Decoded("Auth-Pass")!.StartsWith("ok-", StringComparison.Ordinal)
                ? AuthReply.Ok(dovecot.Host, dovecot.ImapPort, pass: "alice-password")
                : AuthReply.Fail("auth-failed"));
        var directory = ServerProcess.CreateTempDirectory("orleansmail-oauth-");
        var (app, ports) = await StartAsync(directory, auth.Url);
        try
        {
            await using (var plaintext = await LineClient.ConnectAsync(ports[0]))
            {
                Assert.Equal("* OK IMAP4 ready", await plaintext.ReadLineAsync());
                await plaintext.SendAsync("a CAPABILITY\r\n");
                Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER", "a OK completed"], await plaintext.ReadUntilAsync("a "));
                // A token of 12,000 bytes: a 16,050-byte command, well past imap_client_buffer 1k.
                var command = $"b AUTHENTICATE XOAUTH2 {XOAuth2("alice", "ok-" + new string('t', 11_997))}\r\n";
                Assert.InRange(command.Length, 16_000, 16 * 1024);
                await plaintext.SendAsync(command);
                Assert.Matches("^b OK .*Logged in", await plaintext.ReadLineAsync(TimeSpan.FromSeconds(30)));
            }

            await using (var off = await LineClient.ConnectAsync(ports[1]))
            {
                Assert.Equal("* OK IMAP4 ready", await off.ReadLineAsync());
                await off.SendAsync("a CAPABILITY\r\n");
                Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN", "a OK completed"], await off.ReadUntilAsync("a "));
                await off.SendAsync($"b AUTHENTICATE XOAUTH2 {XOAuth2("alice", "ok-1")}\r\n");
                Assert.Equal("b BAD invalid command", await off.ReadLineAsync());
            }
            Assert.Single(auth.Requests);
        }
        finally
        {
            await app.DisposeAsync();
            await ServerProcess.DeleteDirectoryAsync(directory);
        }
    }

    /// <summary>Starts the Frontend on fresh ports, again when a test running in parallel took one of them first.</summary>
    private static async Task<(DotnetAppProcess App, int[] Ports)> StartAsync(string directory, string authUrl)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ports = ServerProcess.GetFreeTcpPorts(4);
            await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
                pid run/orleansmail.pid;
                cluster_silo_port {{P(ports[2])}};
                cluster_gateway_port {{P(ports[3])}};
                cluster_id oauth-{{Guid.NewGuid():N}};
                mail {
                    auth_http {{authUrl}};
                    imap_auth plain xoauth2 oauthbearer;
                    sasl_oauth_buffer 16k;
                    server {
                        listen 127.0.0.1:{{P(ports[0])}};
                        protocol imap;
                        imap_client_buffer 1k;
                        sasl_oauth_plaintext on;
                    }
                    server {
                        listen 127.0.0.1:{{P(ports[1])}};
                        protocol imap;
                    }
                }
                """, Timeout);
            var app = DotnetAppProcess.StartWithArguments("Frontend", "frontend (oauth)", directory, Path.Combine(directory, "nginx.conf"),
                "-p", directory, "-c", "nginx.conf");
            try
            {
                await app.WaitUntilAsync(_ => Task.FromResult(File.Exists(Path.Combine(directory, "run", "orleansmail.pid"))), TimeSpan.FromSeconds(90), "the pid file", Timeout);
                return (app, ports);
            }
            catch (ServerStartException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                await app.DisposeAsync();
            }
        }
    }
}
