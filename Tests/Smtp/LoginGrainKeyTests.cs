using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Smtp;

/// <summary>Which grain decides an SMTP attempt: the login's, or for smtp_auth none the client address's.</summary>
public sealed class LoginGrainKeyTests
{
    private static LoginAttempt Attempt(AuthMethod method, string login, string clientIp) =>
        new(MailProtocol.Smtp, method, login, "", null, clientIp, 1, null, new AuthHttpEndpoint("http://127.0.0.1/auth", TimeSpan.FromSeconds(1), []));

    [Fact]
    public void UnauthenticatedSendersAreKeyedByAddressAndLoginsByLogin()
    {
        Assert.Equal("alice", LoginGrainKey.For(Attempt(AuthMethod.Plain, "alice", "192.0.2.1")));
        Assert.NotEqual(LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.1")), LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.2")));
        Assert.NotEqual(LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.1")), LoginGrainKey.For(Attempt(AuthMethod.External, "", "192.0.2.1")));
        // A login cannot pose as an address's unauthenticated key: logins never contain NUL.
        Assert.StartsWith("\0", LoginGrainKey.For(Attempt(AuthMethod.None, "", "192.0.2.1")));
    }
}
