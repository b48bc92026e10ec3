using System.Net;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.SmtpWire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The client's host name through a whole SMTP login (src/mail/ngx_mail_smtp_handler.c): looked up with the configured resolver
/// before the greeting, sent to the auth server as <c>Client-Host</c> and to the upstream as XCLIENT <c>NAME=</c>;
/// a PTR name that could inject headers or XCLIENT attributes (CVE-2026-28753) reaches neither.
/// The DNS server is scripted: no real one serves CR/LF in a name. Each test has its own proxy, so no DNS cache
/// carries an answer from one test into the next.
/// </summary>
public sealed class SmtpClientHostTests : IAsyncLifetime
{
    /// <summary>The DNS server, the upstream, the auth server and (started by the test's login) the proxy; disposed in reverse.</summary>
    private readonly ProxyStack _stack = new();
    private ScriptedDnsServer _dns = null!;
    private ScriptedSmtpUpstream _upstream = null!;

    public async ValueTask InitializeAsync()
    {
        _dns = _stack.Adopt(ScriptedDnsServer.Start());
        _upstream = _stack.Adopt(new ScriptedSmtpUpstream());
        await _stack.StartAuthAsync(_ => AuthReply.Ok("127.0.0.1", _upstream.Port, pass: "alice-password"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stack.DisposeAsync();
    }

    private async Task<(string? ClientHost, string Xclient)> LogInAsync()
    {
        var proxy = await _stack.StartProxyAsync(
            [("Resolver", _dns.EndPoint.ToString()), ("ResolverTimeout", "5s")],
            new Dictionary<string, (string, string)[]> { ["smtp"] = [("Protocol", "smtp")] });
        await using var c = await OpenAsync(proxy.Port("smtp"));
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0alice-password")}\r\n", "235 2.0.0 OK");
        var request = Assert.Single(_stack.Auth.Requests);
        return (request["Client-Host"], Assert.Single(_upstream.Lines, l => l.StartsWith("XCLIENT ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AForwardConfirmedNameGoesToTheAuthServerAndIntoXclient()
    {
        _dns.Ptr(IPAddress.Loopback, "client.example.org");
        _dns.Address("client.example.org", IPAddress.Loopback);

        var (clientHost, xclient) = await LogInAsync();

        Assert.Equal("client.example.org", clientHost);
        Assert.Contains(" NAME=client.example.org ", xclient + " ");
    }

    [Theory]
    [InlineData("evil\r\nAuth-User: admin.example.org")]
    [InlineData("x LOGIN=admin.example.org")]
    [InlineData("x=y.example.org")]
    public async Task AnInjectingNameIsTemporarilyUnavailableEverywhere(string name)
    {
        _dns.Ptr(IPAddress.Loopback, name);
        _dns.Address(name, IPAddress.Loopback);

        var (clientHost, xclient) = await LogInAsync();

        Assert.Equal("[TEMPUNAVAIL]", clientHost);
        Assert.Contains(" NAME=[TEMPUNAVAIL] ", xclient + " ");
        Assert.Single(_stack.Auth.Requests[0].All("Auth-User"));
        Assert.DoesNotContain("admin", xclient);
    }
}
