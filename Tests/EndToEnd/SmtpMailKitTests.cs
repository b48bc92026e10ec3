using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.SmtpWire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// MailKit's SmtpClient through the proxy to a real Postfix: the message arrives byte for byte, and Postfix records
/// the client's address, port, HELO name and login that XCLIENT gave it (src/mail/ngx_mail_proxy_module.c).
/// </summary>
/// <remarks>A test that needs another auth answer sets it for its login only (<see cref="ProxyStack.AnswerFor"/>).</remarks>
public sealed class SmtpMailKitTests(SmtpProxyFixture fixture) : IClassFixture<SmtpProxyFixture>
{

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task AMessageSentWithAuthArrivesByteForByteAndPostfixKnowsTheClient(string mechanism)
    {
        var message = NewMimeMessage();
        var clientPort = await SendAsync("smtp", message, client => client.AuthenticateAsync(mechanism == "PLAIN"
            ? new SaslMechanismPlain("alice", "alice-password")
            : new SaslMechanismLogin("alice", "alice-password")));

        var delivered = await fixture.Postfix.WaitForMessageAsync(m => m.Contains(message.MessageId!, StringComparison.Ordinal));
        Assert.Equal(BodyOf(Serialize(message)), BodyOf(delivered));
        // XCLIENT HELO= and NAME=/ADDR= (Received: from <helo> (<name> [<addr>])), and ESMTPA for the XCLIENT login.
        Assert.Contains("Received: from mailkit.example (unknown [127.0.0.1])", delivered);
        Assert.Contains("with ESMTPA id", delivered);
        // The login and the client's own port (XCLIENT LOGIN= and PORT=): Postfix has no SASL of its own here.
        var queueId = await fixture.Postfix.WaitForLogLineAsync(l => l.Contains($"client=unknown[127.0.0.1]:{clientPort}, sasl_method=XCLIENT, sasl_username=alice", StringComparison.Ordinal));
        Assert.Contains("postfix/smtpd", queueId);
    }

    [Fact]
    public async Task SmtpAuthNoneAsksTheAuthServerWithTheEnvelopeAndDelivers()
    {
        var before = fixture.Auth.RequestCount;
        var message = NewMimeMessage();
        await SendAsync("none", message, _ => Task.CompletedTask);

        var request = fixture.Auth.Requests.Skip(before).Single();
        AssertUnauthenticated(request, "mailkit.example", "MAIL FROM:<sender@sender.example>", "RCPT TO:<bob@example.test>");
        var delivered = await fixture.Postfix.WaitForMessageAsync(m => m.Contains(message.MessageId!, StringComparison.Ordinal));
        Assert.Equal(BodyOf(Serialize(message)), BodyOf(delivered));
        Assert.Contains("Received: from mailkit.example (unknown [127.0.0.1])", delivered);
    }

    [Fact]
    public async Task WithoutXclientPostfixSeesTheProxyNotTheClient()
    {
        var message = NewMimeMessage();
        await SendAsync("noxclient", message, _ => Task.CompletedTask);
        var delivered = await fixture.Postfix.WaitForMessageAsync(m => m.Contains(message.MessageId!, StringComparison.Ordinal));
        // nginx's xclient off: the proxy greets with its own server_name and the client's HELO is not passed on.
        Assert.Contains("Received: from proxy.test (unknown [127.0.0.1])", delivered);
        Assert.Equal(BodyOf(Serialize(message)), BodyOf(delivered));
    }

    /// <summary>
    /// XCLIENT injection (nginx 1.29.2): the auth server renames the login to one with SP, '=', '+' and non-ASCII.
    /// xtext keeps it one LOGIN= value: Postfix decodes it back, and ADDR stays the client's.
    /// </summary>
    [Fact]
    public async Task ALoginWithSpecialCharactersReachesPostfixAsOneXtextValue()
    {
        using var answer = fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok(fixture.Postfix.Host, fixture.Postfix.Port, user: "evil ADDR=10.9.8.7 a+b=c", pass: "x"));
        var message = NewMimeMessage();
        var clientPort = await SendAsync("smtp", message, client => client.AuthenticateAsync(new SaslMechanismPlain("alice", "alice-password")));
        await fixture.Postfix.WaitForLogLineAsync(l =>
            l.Contains($"client=unknown[127.0.0.1]:{clientPort}, sasl_method=XCLIENT, sasl_username=evil ADDR=10.9.8.7 a+b=c", StringComparison.Ordinal));
        Assert.DoesNotContain("10.9.8.7]", fixture.Postfix.ReadLog());
    }

    private static MimeMessage NewMimeMessage()
    {
        var (id, body) = NewMessage();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@sender.example"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.test"));
        message.Subject = "test " + id;
        message.MessageId = id + "@mailkit.example";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static string Serialize(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Unix;
        message.WriteTo(options, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Sends through the proxy listener on a socket of our own, so the test knows the client's port.</summary>
    private async Task<int> SendAsync(string listener, MimeMessage message, Func<SmtpClient, Task> authenticate)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Proxy.Port(listener));
        var clientPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        using var client = new SmtpClient { LocalDomain = "mailkit.example", Timeout = 30_000 };
        await client.ConnectAsync(socket, "127.0.0.1", fixture.Proxy.Port(listener), SecureSocketOptions.None);
        await authenticate(client);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
        return clientPort;
    }
}
