using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Smtp;

/// <summary>
/// Which grain decides an attempt: the normalised login's, for smtp_auth none the client address's, for EXTERNAL the
/// client certificate's.
/// </summary>
public sealed class LoginGrainKeyTests
{
    private static LoginAttempt Attempt(AuthMethod method, string login, string clientIp, string? fingerprint = null) =>
        new(MailProtocol.Smtp, method, login, "", null, clientIp, 1, fingerprint is null ? null : new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", "SUCCESS", Fingerprint: fingerprint),
            new AuthHttpEndpoint("http://127.0.0.1/auth", TimeSpan.FromSeconds(1), []));

    [Fact]
    public void UnauthenticatedSendersAreKeyedByAddressAndLoginsByLogin()
    {
        Assert.Equal("alice", LoginGrainKey.For(Attempt(AuthMethod.Plain, "alice", "192.0.2.1"), LoginCase.Insensitive));
        Assert.NotEqual(LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.1"), LoginCase.Insensitive), LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.2"), LoginCase.Insensitive));
        Assert.NotEqual(LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.1"), LoginCase.Insensitive), LoginGrainKey.For(Attempt(AuthMethod.External, "", "192.0.2.1"), LoginCase.Insensitive));
        // A login cannot pose as an address's unauthenticated key: logins never contain NUL.
        Assert.StartsWith("\0", LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.1"), LoginCase.Insensitive));
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("alice")]
    [InlineData(" alice ")]
    [InlineData("ALICE\t")]
    public void CaseAndSurroundingSpaceVariantsAreOneLogin(string login)
    {
        Assert.Equal("alice", LoginGrainKey.For(Attempt(AuthMethod.Plain, login, "192.0.2.1"), LoginCase.Insensitive));
        Assert.Equal("alice", LoginGrainKey.For(LoginGrainKey.For(login, LoginCase.Insensitive), LoginCase.Insensitive));
    }

    [Fact]
    public void SensitiveKeepsTheCaseButStillTrims()
    {
        Assert.Equal("Alice", LoginGrainKey.For(" Alice ", LoginCase.Sensitive));
        Assert.NotEqual(LoginGrainKey.For("Alice", LoginCase.Sensitive), LoginGrainKey.For("alice", LoginCase.Sensitive));
        Assert.Equal("\0empty", LoginGrainKey.For("  ", LoginCase.Sensitive));
    }

    [Fact]
    public void ExternalIsKeyedByTheCertificateFingerprintAndAuthorizationIdentity()
    {
        var a = LoginGrainKey.For(Attempt(AuthMethod.External, "", "192.0.2.1", "AA:BB"), LoginCase.Insensitive);
        var b = LoginGrainKey.For(Attempt(AuthMethod.External, "", "192.0.2.1", "CC:DD"), LoginCase.Insensitive);
        var asAlice = LoginGrainKey.For(Attempt(AuthMethod.External, "Alice", "192.0.2.1", "AA:BB"), LoginCase.Insensitive);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, asAlice);
        // Never the key of a password login, whatever the authorization identity says.
        Assert.NotEqual("alice", asAlice);
        Assert.StartsWith("\0", asAlice);
    }
}
