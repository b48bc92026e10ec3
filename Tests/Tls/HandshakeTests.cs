using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// The handshake itself: ALPN as nginx checks it, SNI certificates, RSA and ECDSA side by side, an encrypted key,
/// a certificate file replaced on disk, session resumption, and clients that are not TLS clients.
/// </summary>
public sealed class HandshakeTests(TlsProxyFixture fixture) : IClassFixture<TlsProxyFixture>
{
    private async Task<X509Certificate2> ServerCertificateAsync(string listener, string host, List<SslApplicationProtocol>? alpn = null)
    {
        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port(listener));
        await client.StartTlsAsync(fixture.Pki, host, alpn: alpn);
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
        return new X509Certificate2(client.Tls!.RemoteCertificate!);
    }

    /// <summary>The client's port as the session's closing line names it ("client 127.0.0.1:PORT,").</summary>
    private static string LocalPort(TcpClient tcp) =>
        ((System.Net.IPEndPoint)tcp.Client.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The closing line of the session from <paramref name="port"/>, if it is logged yet.</summary>
    private string? SessionClosedLine(string port) =>
        fixture.Proxy.Logs.Lines.FirstOrDefault(l => l.Contains("session closed (", StringComparison.Ordinal) && l.Contains($"client 127.0.0.1:{port},", StringComparison.Ordinal));

    /// <summary>The proxy logs after the client has seen the outcome: wait a little for the line.</summary>
    private Task<bool> LoggedAsync(string text) =>
        Eventually.HoldsAsync(() => fixture.Proxy.Logs.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)));

    [Fact]
    public async Task AlpnWithTheListenersProtocolOrNoneIsAccepted()
    {
        Assert.NotNull(await ServerCertificateAsync("imaps", "proxy.test", [new SslApplicationProtocol("imap")]));
        Assert.NotNull(await ServerCertificateAsync("imaps", "proxy.test"));
    }

    /// <summary>ALPACA (nginx 1.21.4): a client offering ALPN without "imap" fails the handshake.</summary>
    [Fact]
    public async Task AlpnWithoutTheListenersProtocolFailsTheHandshake()
    {
        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("imaps"));
        await Assert.ThrowsAnyAsync<Exception>(() => client.StartTlsAsync(fixture.Pki, alpn: [SslApplicationProtocol.Http11, new SslApplicationProtocol("pop3")]));
        Assert.True(await LoggedAsync("SSL handshake failed"));
    }

    [Fact]
    public async Task SniChoosesTheNamesCertificateAndAWildcardOne()
    {
        Assert.Equal("CN=other.test", (await ServerCertificateAsync("multi", "other.test")).Subject);
        Assert.Equal("CN=*.wild.test", (await ServerCertificateAsync("multi", "mail.wild.test")).Subject);
        Assert.Equal("CN=proxy.test", (await ServerCertificateAsync("multi", "proxy.test")).Subject);
    }

    /// <summary>
    /// A listener with one certificate and no SNI names (its handshakes share one set of options, no selection) serves
    /// that certificate whatever name a client asks for, or none, as nginx does.
    /// </summary>
    [Fact]
    public async Task AListenerWithOneCertificateServesItForEveryName()
    {
        Assert.Equal("CN=proxy.test", (await ServerCertificateAsync("imaps", "other.test")).Subject);
        Assert.Equal("CN=proxy.test", (await ServerCertificateAsync("imaps", "proxy.test")).Subject);
        var output = await OpenSslClient.RunAsync(fixture.Proxy.Port("imaps"), "a LOGOUT\r\n", "-noservername");
        Assert.Contains("* OK IMAP4 ready", output);
        Assert.Contains("subject=CN = proxy.test", output);
    }

    /// <summary>RSA (with an encrypted key opened by ssl_password_file) and ECDSA side by side.</summary>
    [Fact]
    public async Task AClientThatTakesEcdsaGetsTheEcdsaCertificateAndAnRsaOnlyClientTheRsaOne()
    {
        var ecdsa = await ServerCertificateAsync("multi", "proxy.test");
        Assert.NotNull(ecdsa.GetECDsaPublicKey());
        var output = await OpenSslClient.RunAsync(fixture.Proxy.Port("multi"), "a LOGOUT\r\n",
            "-servername", "proxy.test", "-tls1_2", "-sigalgs", "RSA+SHA256:RSA-PSS+SHA256");
        Assert.Contains("* OK IMAP4 ready", output);
        Assert.Contains("Server public key is 2048 bit", output);
    }

    [Fact]
    public async Task AReplacedCertificateFileIsUsedWithoutARestartAndABrokenOneKeepsTheOld()
    {
        var before = await ServerCertificateAsync("reload", "proxy.test");
        var renewed = X509Certificate2.CreateFromPem(File.ReadAllText(fixture.Pki.Path("renewed.pem")));

        await File.WriteAllTextAsync(fixture.ReloadCertificate, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n", TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(fixture.ReloadCertificate, DateTime.UtcNow.AddSeconds(5));
        // Real time is the point: the Frontend process polls the certificate file on its own clock.
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        Assert.Equal(before.Thumbprint, (await ServerCertificateAsync("reload", "proxy.test")).Thumbprint);
        Assert.True(await LoggedAsync("certificate reload failed"));

        File.Copy(fixture.Pki.Path("renewed.key"), fixture.ReloadKey, overwrite: true);
        File.Copy(fixture.Pki.Path("renewed.pem"), fixture.ReloadCertificate, overwrite: true);
        File.SetLastWriteTimeUtc(fixture.ReloadCertificate, DateTime.UtcNow.AddSeconds(10));
        // Real time is the point: the Frontend process polls the certificate file on its own clock.
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        Assert.Equal(renewed.Thumbprint, (await ServerCertificateAsync("reload", "proxy.test")).Thumbprint);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task ASessionIsResumed(string protocol)
    {
        var session = Path.Combine(fixture.Pki.Directory, $"session{protocol}.pem");
        var first = await OpenSslClient.RunAsync(fixture.Proxy.Port("imaps"), "a LOGOUT\r\n", protocol, "-servername", "proxy.test", "-sess_out", session);
        Assert.Contains("* OK IMAP4 ready", first);
        var second = await OpenSslClient.RunAsync(fixture.Proxy.Port("imaps"), "a LOGOUT\r\n", protocol, "-servername", "proxy.test", "-sess_in", session);
        Assert.Contains("Reused, TLSv1.", second);
    }

    /// <summary>
    /// A client that resets the connection after the handshake with the greeting unread (what openssl s_time -new
    /// does) ends its session as a client's close, one line, no failure.
    /// </summary>
    [Fact]
    public async Task AResetAfterTheHandshakeEndsTheSessionAsTheClientsClose()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Proxy.Port("imaps"), TestContext.Current.CancellationToken);
        var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "proxy.test",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => fixture.Pki.ValidateServer(certificate as X509Certificate2),
        }, TestContext.Current.CancellationToken);
        for (var i = 0; i < 100 && tcp.Available == 0; i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.True(tcp.Available > 0, "the greeting arrived");
        var client = $"client 127.0.0.1:{((System.Net.IPEndPoint)tcp.Client.LocalEndPoint!).Port},";
        tcp.Client.LingerState = new LingerOption(true, 0); // close() with unread bytes and no linger: a reset
        tcp.Close();

        Assert.True(await Eventually.HoldsAsync(() => fixture.Proxy.Logs.Lines.Any(l => l.Contains("session closed (client_closed)", StringComparison.Ordinal) && l.Contains(client, StringComparison.Ordinal))),
            string.Join("\n", fixture.Proxy.Logs.Lines.TakeLast(20)));
        Assert.DoesNotContain(fixture.Proxy.Logs.Lines, l => l.Contains(client, StringComparison.Ordinal) && l.Contains("session failed", StringComparison.Ordinal));
    }

    /// <summary>
    /// A client that sends its Finished and closes at once, reading nothing (a monitoring probe; openssl s_time -new)
    /// completed its handshake, as under nginx: the bytes it sent before closing are read before its close is seen.
    /// Before, the handshake's deadline was linked to Kestrel's ConnectionClosed, cancelled as the client's FIN
    /// arrived, and a pipe read with a cancelled token throws without returning the Finished it holds: about one
    /// such client in four was logged "SSL handshake failed".
    /// </summary>
    [Fact]
    public async Task AClientThatClosesRightAfterItsFinishedCompletesTheHandshake()
    {
        var ports = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Proxy.Port("imaps"), TestContext.Current.CancellationToken);
            ports.Add(LocalPort(tcp));
            using var ssl = new SslStream(tcp.GetStream());
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "proxy.test",
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => fixture.Pki.ValidateServer(certificate as X509Certificate2),
            }, TestContext.Current.CancellationToken);
        }

        IReadOnlyList<string> Closed() => [.. ports.Select(port => SessionClosedLine(port) ?? "")];
        Assert.True(await Eventually.HoldsAsync(() => Closed().All(line => line.Length > 0)), string.Join("\n", fixture.Proxy.Logs.Lines.TakeLast(20)));
        Assert.All(Closed(), line => Assert.DoesNotContain("(tls_failed)", line, StringComparison.Ordinal));
    }

    /// <summary>
    /// A client that closes in the middle of its ClientHello is logged in nginx's words (src/event/ngx_event_openssl.c,
    /// "peer closed connection in SSL handshake"), not as a timeout or .NET's end-of-stream message.
    /// </summary>
    [Fact]
    public async Task AClientThatClosesMidHandshakeIsLoggedAsPeerClosedNotTimedOut()
    {
        string port;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Proxy.Port("imaps"), TestContext.Current.CancellationToken);
            port = LocalPort(tcp);
            await tcp.GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc }, TestContext.Current.CancellationToken);
        }

        // The session's closing line names the client's port; its scope's ConnectionId finds the handshake's line.
        string? connection = null;
        Assert.True(await Eventually.HoldsAsync(() =>
        {
            var closed = SessionClosedLine(port);
            connection = closed?.Contains("session closed (tls_failed)", StringComparison.Ordinal) == true
                ? System.Text.RegularExpressions.Regex.Match(closed, @"ConnectionId=\w+").Value : null;
            return !string.IsNullOrEmpty(connection);
        }), string.Join("\n", fixture.Proxy.Logs.Lines.TakeLast(20)));
        var failed = Assert.Single(fixture.Proxy.Logs.Lines, l => l.Contains(connection + ",", StringComparison.Ordinal) && l.Contains("SSL handshake failed", StringComparison.Ordinal));
        Assert.Contains("SSL handshake failed: peer closed connection while SSL handshaking", failed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATls11OnlyClientIsRefused()
    {
        var output = await OpenSslClient.RunAsync(fixture.Proxy.Port("imaps"), "", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0");
        Assert.DoesNotContain("* OK IMAP4 ready", output);
    }

    [Fact]
    public async Task GarbageInsteadOfAClientHelloIsClosed()
    {
        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("imaps"));
        await client.SendAsync("a LOGIN alice alice-password\r\n");
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AHandshakeThatStallsIsClosedWithinTheTimeout()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Proxy.Port("quick"), TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        // The first bytes of a ClientHello record, then nothing.
        await stream.WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 }, TestContext.Current.CancellationToken);
        var started = DateTime.UtcNow;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var read = await stream.ReadAsync(new byte[16], deadline.Token);
        Assert.Equal(0, read);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
    }
}
