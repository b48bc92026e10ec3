using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// ssl_verify_client on / optional / optional_no_ca with the test CA, verify depth and CRL: nginx's replies for
/// missing and bad certificates, and the Auth-SSL-* facts the auth server receives.
/// </summary>
public sealed class ClientCertificateTests(TlsProxyFixture fixture) : IClassFixture<TlsProxyFixture>
{
    private async Task<LineClient> ConnectAsync(string listener, string? certificate)
    {
        var client = await LineClient.ConnectAsync(fixture.Proxy.Port(listener));
        await client.StartTlsAsync(fixture.Pki, clientCertificate: certificate is null ? null : fixture.Pki.Client(certificate));
        return client;
    }

    [Fact]
    public async Task AGoodCertificateLogsInAndTheAuthServerSeesItsFacts()
    {
        await using var client = await ConnectAsync("certon", "client");
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
        await client.SendAsync("a LOGIN alice alice-password\r\n");
        Assert.StartsWith("a OK", (await client.ReadUntilAsync("a ")).Last());

        var request = fixture.Auth.Requests.Last();
        var certificate = fixture.Pki.Client("client");
        Assert.Equal("SUCCESS", request["Auth-SSL-Verify"]);
        Assert.Equal("CN=alice,O=OrleansMail Tests,C=FR", request["Auth-SSL-Subject"]);
        Assert.Equal("CN=OrleansMail Test CA,O=OrleansMail Tests", request["Auth-SSL-Issuer"]);
        Assert.Equal("03E9", request["Auth-SSL-Serial"]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(certificate.RawData)), request["Auth-SSL-Fingerprint"]);
        Assert.Equal(certificate.ExportCertificatePem() + "\n", request.Decoded("Auth-SSL-Cert"));
    }

    [Fact]
    public async Task SaslExternalIsBackedByTheCertificate()
    {
        await using var client = await ConnectAsync("certon", "client");
        await client.ReadLineAsync();
        await client.SendAsync("a AUTHENTICATE EXTERNAL =\r\n");
        Assert.StartsWith("a OK", (await client.ReadUntilAsync("a ")).Last());
        var request = fixture.Auth.Requests.Last();
        Assert.Equal("external", request["Auth-Method"]);
        Assert.Equal("SUCCESS", request["Auth-SSL-Verify"]);
        Assert.Equal("CN=alice,O=OrleansMail Tests,C=FR", request["Auth-SSL-Subject"]);
    }

    [Fact]
    public async Task OnWithoutACertificateGetsNginxsReplyAndClose()
    {
        await using var client = await ConnectAsync("certon", null);
        Assert.Equal("* BYE No required SSL certificate", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
    }

    [Theory]
    [InlineData("certon", "revoked")]
    [InlineData("certon", "selfsigned")]
    [InlineData("certshallow", "deep")]
    [InlineData("certoptional", "revoked")]
    [InlineData("certoptional", "selfsigned")]
    [InlineData("certnoca", "revoked")]
    public async Task ABadCertificateGetsTheCertificateError(string listener, string certificate)
    {
        await using var client = await ConnectAsync(listener, certificate);
        Assert.Equal("* BYE SSL certificate error", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
        Assert.Contains(fixture.Proxy.Logs.Lines, l => l.Contains("client SSL certificate verify error"));
    }

    /// <summary>
    /// OpenSSL refuses a CRL outside its thisUpdate..nextUpdate (X509_V_ERR_CRL_HAS_EXPIRED / _NOT_YET_VALID), so
    /// nginx refuses even a good certificate with its "SSL certificate error" (src/mail/ngx_mail_handler.c,
    /// ngx_mail_verify_cert); the verify error names the list's fault in OpenSSL's words.
    /// </summary>
    [Theory]
    [InlineData("crlexpired", "client", "CRL has expired")]
    [InlineData("crlfuture", "client", "CRL is not yet valid")]
    [InlineData("crlexpired", "revoked", "certificate revoked")]
    public async Task ACrlOutsideItsDatesRefusesTheCertificate(string listener, string certificate, string reason)
    {
        await using var client = await ConnectAsync(listener, certificate);
        Assert.Equal("* BYE SSL certificate error", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
        Assert.Contains(fixture.Proxy.Logs.Lines, l => l.Contains("client SSL certificate verify error: FAILED:" + reason));
    }

    [Fact]
    public async Task ACurrentCrlAcceptsAGoodCertificateUnderOptional()
    {
        await using var client = await ConnectAsync("certoptional", "client");
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
    }

    [Fact]
    public async Task DepthTwoAcceptsACertificateFromAnIntermediate()
    {
        await using var client = await ConnectAsync("certdeep", "deep");
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
    }

    [Fact]
    public async Task OptionalWithoutACertificateSaysNone()
    {
        await using var client = await ConnectAsync("certoptional", null);
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
        await client.SendAsync("a LOGIN alice alice-password\r\n");
        Assert.StartsWith("a OK", (await client.ReadUntilAsync("a ")).Last());
        var request = fixture.Auth.Requests.Last();
        Assert.Equal("NONE", request["Auth-SSL-Verify"]);
        Assert.False(request.Has("Auth-SSL-Subject"));
    }

    [Fact]
    public async Task OptionalNoCaLetsAnUnknownIssuerThroughForTheAuthServerToJudge()
    {
        await using var client = await ConnectAsync("certnoca", "selfsigned");
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
        await client.SendAsync("a LOGIN alice alice-password\r\n");
        await client.ReadUntilAsync("a ");
        var request = fixture.Auth.Requests.Last();
        Assert.Equal("FAILED:self-signed certificate", request["Auth-SSL-Verify"]);
        Assert.Equal("CN=stranger", request["Auth-SSL-Subject"]);
    }
}
