using System.Net.Sockets;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// Malformed ClientHellos sent over a raw socket, as an attacker would: every length field of the record lies or is
/// cut short. The connection is closed without a byte of cleartext (a TLS port never answers in plaintext) and the
/// proxy logs no exception. <c>multi</c> has RSA and ECDSA certificates, so the ClientHello is parsed before SslStream
/// sees it; <c>imaps</c> has one certificate and hands the bytes to SslStream directly.
/// </summary>
public sealed class MalformedClientHelloTests(TlsProxyFixture fixture) : IClassFixture<TlsProxyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A TLS handshake record around <paramref name="body"/>, its length taken from the body.</summary>
    private static byte[] Record(params byte[] body) => [0x16, 0x03, 0x01, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    /// <summary>A ClientHello up to the extensions: type 1, a length, version, random, empty session id, one suite, null compression.</summary>
    private static byte[] HelloStart => [0x01, 0x00, 0x00, 0x30, 0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];

    public static TheoryData<string, byte[]> Hellos => new()
    {
        { "empty record", Record() },
        { "a ClientHello of one byte", Record(0x01) },
        { "session id longer than the record", Record([0x01, 0x00, 0x00, 0x30, 0x03, 0x03, .. new byte[32], 0xff]) },
        { "cipher suites longer than the record", Record([0x01, 0x00, 0x00, 0x30, 0x03, 0x03, .. new byte[32], 0x00, 0xff, 0xff]) },
        { "extensions longer than the record", Record([.. HelloStart, 0xff, 0xff, 0x00]) },
        { "an extension longer than the list", Record([.. HelloStart, 0x00, 0x04, 0x00, 0x0d, 0x7f, 0xff]) },
        { "signature_algorithms with an odd list", Record([.. HelloStart, 0x00, 0x07, 0x00, 0x0d, 0x00, 0x03, 0x00, 0x01, 0x04]) },
        { "signature_algorithms of one byte", Record([.. HelloStart, 0x00, 0x05, 0x00, 0x0d, 0x00, 0x01, 0x00]) },
        { "not a handshake record", [0x17, 0x03, 0x03, 0x00, 0x02, 0xde, 0xad] },
        { "random bytes", [.. Enumerable.Range(0, 600).Select(i => (byte)(i * 131 + 7))] },
    };

    [Theory]
    [MemberData(nameof(Hellos))]
    public async Task AMalformedClientHelloIsClosedQuietlyWithoutCleartext(string what, byte[] hello)
    {
        foreach (var listener in new[] { "multi", "imaps" })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Proxy.Port(listener), Ct);
            var stream = tcp.GetStream();
            await stream.WriteAsync(hello, Ct);
            await stream.FlushAsync(Ct);
            // What comes back is a TLS alert at most, never a line of text; then the proxy closes.
            var received = new List<byte>();
            var buffer = new byte[4096];
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(15));
            int read;
            try
            {
                while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0) received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
            catch (IOException)
            {
                // A reset is a close too.
            }
            Assert.False(deadline.IsCancellationRequested, $"{listener}, {what}: the connection was not closed");
            Assert.True(received.Count == 0 || received[0] == 0x15, $"{listener}, {what}: the proxy sent {Convert.ToHexString(received.ToArray())}");
        }

        Assert.DoesNotContain(fixture.Proxy.Logs.Lines, line => line.Contains("Exception", StringComparison.Ordinal) && line.Contains(" at ", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Proxy.Logs.Lines, line => line.Contains("session failed", StringComparison.OrdinalIgnoreCase));
    }
}
