using System.Text.RegularExpressions;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>Small helpers for raw POP3 transcripts against the proxy under test (the line helpers are <see cref="ImapWire"/>'s).</summary>
internal static partial class Pop3Wire
{
    /// <summary>Connects and checks nginx's greeting without a salt (src/mail/ngx_mail_pop3_handler.c).</summary>
    public static async Task<LineClient> OpenAsync(int port)
    {
        var client = await LineClient.ConnectAsync(port);
        Assert.Equal("+OK POP3 ready", await client.ReadLineAsync());
        return client;
    }

    /// <summary>Connects to a listener with APOP or CRAM-MD5 enabled; returns the greeting's salt.</summary>
    public static async Task<(LineClient Client, string Salt)> OpenWithSaltAsync(int port)
    {
        var client = await LineClient.ConnectAsync(port);
        var greeting = await client.ReadLineAsync();
        var match = SaltedGreeting().Match(greeting ?? "");
        Assert.True(match.Success, $"greeting: {greeting}");
        return (client, match.Groups[1].Value);
    }

    /// <summary>Dovecot's reply to a successful PASS, relayed by the proxy.</summary>
    public static void AssertLoggedIn(string? line)
    {
        Assert.NotNull(line);
        Assert.Matches("^\\+OK .*Logged in", line);
    }

    [GeneratedRegex("^\\+OK POP3 ready (<[0-9]+\\.[0-9]+@proxy\\.test>)$")]
    private static partial Regex SaltedGreeting();
}
