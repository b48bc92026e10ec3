using System.Text;

namespace OrleansMail.Tests.Reliability;

/// <summary>Which of <see cref="SlowClientFloodFixture"/>'s listeners a hostile connection goes to.</summary>
internal enum FloodListener
{
    Imap,
    Pop3,
    Smtp,
    Imaps,
    Starttls,
    ProxyProtocol,
}

/// <summary>The server's rule that must close a hostile connection, counted from the start of its <see cref="HostileKind"/>'s phase.</summary>
internal enum ClosingRule
{
    /// <summary><c>timeout</c>: a read that gets nothing, the whole TLS handshake, the whole PROXY header.</summary>
    Timeout,

    /// <summary><c>login_timeout</c>: accept to logged in, however often the client sends a byte.</summary>
    LoginTimeout,
}

/// <summary>
/// One way of holding a connection open without ever logging in: the bytes the Nth such client sends (<see cref="Payload"/>) and
/// how many of them it has sent a given time into its phase (<see cref="BytesDue"/>), never all of a command. The phase
/// starts at connect, or, with <see cref="Opening"/>, once the greeting came, <see cref="Opening"/> was sent and the
/// reply started with <see cref="OpeningReply"/> (STARTTLS, then a ClientHello trickled). <see cref="Rule"/> must close
/// it, and <c>login_timeout</c> from connect bounds every kind too. <see cref="ServerLines"/>: all the server may send
/// before it closes (the greeting, the STARTTLS reply), so a connection closed for anything else (a too-long line, an
/// invalid command) shows.
/// </summary>
internal sealed record HostileKind(
    string Name,
    FloodListener Listener,
    Func<int, byte[]> Payload,
    Func<TimeSpan, int> BytesDue,
    ClosingRule Rule,
    int ServerLines,
    string? Opening = null,
    string? OpeningReply = null)
{
    /// <summary>The hostile mix of the flood: one byte per second of a command never finished (a SASL answer and an IMAP
    /// literal among them), lines grown to just under the limit, ClientHellos trickled (implicit TLS and after STARTTLS), PROXY v1/v2 headers never finished, a PROXY header sent
    /// slowly then a command trickled, and silent connections.</summary>
    public static IReadOnlyList<HostileKind> Mix(byte[] clientHello)
    {
        var proxyV1 = ProxyV1Header(0);
        return
        [
            new("imap: a command, one byte a second", FloodListener.Imap, Ascii("a LOGIN alice alice-password-that-never-ends"), OneBytePerSecond, ClosingRule.LoginTimeout, ServerLines: 1),
            new("pop3: a command, one byte a second", FloodListener.Pop3, Ascii("USER alice-whose-name-never-ends-because-it-is-long"), OneBytePerSecond, ClosingRule.LoginTimeout, ServerLines: 1),
            new("smtp: a command, one byte a second", FloodListener.Smtp, Ascii("EHLO client.example.whose.name.never.ends.test"), OneBytePerSecond, ClosingRule.LoginTimeout, ServerLines: 1),
            new("imap: a line grown to the limit", FloodListener.Imap, LineOf("a LOGIN alice "), GrownOver12Seconds, ClosingRule.LoginTimeout, ServerLines: 1),
            new("pop3: a line grown to the limit", FloodListener.Pop3, LineOf("USER "), GrownOver12Seconds, ClosingRule.LoginTimeout, ServerLines: 1),
            new("smtp: a line grown to the limit", FloodListener.Smtp, LineOf("EHLO "), GrownOver12Seconds, ClosingRule.LoginTimeout, ServerLines: 1),
            new("imap: an AUTHENTICATE PLAIN answer, one byte a second", FloodListener.Imap, Ascii("AGFsaWNlAGFsaWNlLXBhc3N3b3JkLXRoYXQtbmV2ZXItZW5kcw=="),
                OneBytePerSecond, ClosingRule.LoginTimeout, ServerLines: 2, Opening: "a AUTHENTICATE PLAIN\r\n", OpeningReply: "+"),
            new("imap: a literal, one byte a second", FloodListener.Imap, Ascii("alice-password-that-never-ends-because-it-is-long"),
                OneBytePerSecond, ClosingRule.LoginTimeout, ServerLines: 2, Opening: "a LOGIN alice {49}\r\n", OpeningReply: "+"),
            new("imaps: a ClientHello, one byte a second", FloodListener.Imaps, Same(clientHello), OneBytePerSecond, ClosingRule.Timeout, ServerLines: 0),
            new("imap STARTTLS: a ClientHello, one byte a second", FloodListener.Starttls, Same(clientHello), OneBytePerSecond, ClosingRule.Timeout, ServerLines: 2,
                Opening: "s STARTTLS\r\n", OpeningReply: "s OK"),
            new("proxy_protocol: a v1 header, one byte a second", FloodListener.ProxyProtocol, Same(proxyV1), OneBytePerSecond, ClosingRule.Timeout, ServerLines: 0),
            new("proxy_protocol: a v2 header, one byte a second", FloodListener.ProxyProtocol, ProxyV2Header(), OneBytePerSecond, ClosingRule.Timeout, ServerLines: 0),
            new("proxy_protocol: a v1 header over 3 s, then a command a byte a second", FloodListener.ProxyProtocol,
                n => [.. ProxyV1Header(n), .. "a LOGIN alice alice-password-that-never-ends"u8], HeaderOverThreeSecondsThenOneBytePerSecond(proxyV1.Length), ClosingRule.LoginTimeout, ServerLines: 1),
            new("imap: silent", FloodListener.Imap, Nothing, Silent, ClosingRule.Timeout, ServerLines: 1),
            new("imaps: silent", FloodListener.Imaps, Nothing, Silent, ClosingRule.Timeout, ServerLines: 0),
            new("proxy_protocol: silent", FloodListener.ProxyProtocol, Nothing, Silent, ClosingRule.Timeout, ServerLines: 0),
        ];
    }

    private static Func<int, byte[]> Ascii(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        return _ => bytes;
    }

    private static Func<int, byte[]> Same(byte[] bytes) => _ => bytes;

    private static Func<int, byte[]> Nothing => _ => [];

    /// <summary>
    /// A PROXY v1 header naming a client of its own (10.1.1xx.1yy from <paramref name="n"/> below 10,000, always the same length): the
    /// per-address pre-login limit counts the header's address, and each of these clients is another address.
    /// </summary>
    private static byte[] ProxyV1Header(int n) =>
        Encoding.ASCII.GetBytes($"PROXY TCP4 10.1.{100 + n / 100 % 100}.{100 + n % 100} 198.51.100.1 40000 143\r\n");

    /// <summary>A command line of exactly one byte under the listeners' client buffer, without its line end.</summary>
    private static Func<int, byte[]> LineOf(string command) => Ascii(command.PadRight(SlowClientFloodFixture.ClientBuffer - 1, 'x'));

    /// <summary>A PROXY v2 header (the 12-byte signature, version 2 PROXY, TCP over IPv4, 12 address bytes), never all of it sent.</summary>
    private static Func<int, byte[]> ProxyV2Header() => Same(
        [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 11, 198, 51, 100, 1, 0x9C, 0x40, 0x00, 0x8F]);

    /// <summary>The first byte at once, then one a second.</summary>
    private static int OneBytePerSecond(TimeSpan elapsed) => 1 + (int)elapsed.TotalSeconds;

    /// <summary>A twelfth of the line a second (the first at once): each read comes well within <c>timeout</c>, and after 11 s the line is one byte short of the limit.</summary>
    private static int GrownOver12Seconds(TimeSpan elapsed) =>
        (int)Math.Ceiling((SlowClientFloodFixture.ClientBuffer - 1) * Math.Min(1, (1 + (int)elapsed.TotalSeconds) / 12.0));

    private static int Silent(TimeSpan elapsed) => 0;

    /// <summary>
    /// A PROXY header in four parts a second apart (complete after 3 s, within <c>timeout</c>), then a command one byte a second: the time spent on the header
    /// counts against <c>login_timeout</c> too, which runs from accept.
    /// </summary>
    private static Func<TimeSpan, int> HeaderOverThreeSecondsThenOneBytePerSecond(int headerLength) => elapsed =>
        elapsed < TimeSpan.FromSeconds(3)
            ? headerLength * (1 + (int)elapsed.TotalSeconds) / 4
            : headerLength + 1 + (int)(elapsed.TotalSeconds - 3);
}
