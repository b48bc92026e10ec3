using System.Text;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// SMTP through a real Postfix: after a trusted PROXY header, XCLIENT ADDR and PORT carry the PROXY-given client
/// (src/mail/ngx_mail_realip_module.c: set_real_ip_from changes XCLIENT ADDR); with ProxySsl starttls the whole upstream dialogue,
/// XCLIENT and the message included, runs over TLS that Postfix reports.
/// </summary>
public sealed class SmtpUpstreamAddressTests(SmtpUpstreamAddressFixture fixture) : IClassFixture<SmtpUpstreamAddressFixture>
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);

    private async Task SendMessageAsync(int port, string messageId, byte[]? proxyHeader = null)
    {
        await using var client = await LineClient.ConnectAsync(port);
        if (proxyHeader is not null) await client.SendAsync(proxyHeader);
        Assert.StartsWith("220 ", await client.ReadLineAsync(Slow));
        await client.SendAsync("EHLO client.example\r\n");
        await client.ReadUntilAsync("250 ", Slow);
        await client.SendAsync($"AUTH PLAIN {Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0alice-password"))}\r\n");
        var authReply = await client.ReadLineAsync(Slow) ?? "";
        Assert.True(authReply.StartsWith("235 ", StringComparison.Ordinal),
            $"{authReply}\n{string.Join('\n', fixture.Proxy.Logs.Lines.TakeLast(5))}\n{fixture.Postfix.Diagnostics()}");
        foreach (var (command, reply) in new[]
                 {
                     ($"MAIL FROM:<alice@{PostfixServer.Domain}>\r\n", "250"),
                     ($"RCPT TO:<someone@{PostfixServer.Domain}>\r\n", "250"),
                     ("DATA\r\n", "354"),
                     ($"Message-ID: <{messageId}>\r\nSubject: address\r\n\r\nhello\r\n.\r\n", "250"),
                 })
        {
            await client.SendAsync(command);
            Assert.StartsWith(reply, await client.ReadLineAsync(Slow));
        }
    }

    [Fact]
    public async Task PostfixRecordsTheClientFromATrustedProxyHeader()
    {
        await SendMessageAsync(fixture.Proxy.Port("pp"), "pp@test", "PROXY TCP4 203.0.113.25 198.51.100.1 41025 25\r\n"u8.ToArray());

        await fixture.Postfix.WaitForMessageAsync(m => m.Contains("pp@test", StringComparison.Ordinal));
        await fixture.Postfix.WaitForLogLineAsync(l => l.Contains("client=unknown[203.0.113.25]:41025, sasl_method=XCLIENT, sasl_username=alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartTlsToPostfixCarriesTheWholeDialogue()
    {
        await SendMessageAsync(fixture.Proxy.Port("starttls"), "tls@test");

        var delivered = await fixture.Postfix.WaitForMessageAsync(m => m.Contains("tls@test", StringComparison.Ordinal));
        // Postfix's Received line names the TLS session the message came over; its log the TLS connection.
        Assert.Contains("(using TLSv1.3", delivered);
        await fixture.Postfix.WaitForLogLineAsync(l => l.Contains("TLS connection established from", StringComparison.Ordinal));
    }
}
