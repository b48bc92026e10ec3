using System.Security.Cryptography;
using System.Text;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Grains.TestLogins;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// A bearer token's cached decision under the rest of the login policy (stale-if-error and local CRAM-MD5 checks on):
/// it is never served stale past the answer's Auth-Cache-TTL, and its Auth-Pass (a master or app password) never
/// proves a CRAM-MD5 digest locally.
/// </summary>
[Collection(LoginPolicyClusterCollection.Name)]
public sealed class BearerTokenCachePolicyTests(LoginPolicyClusterFixture fixture)
{
    private const string Backend = "10.0.0.9";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LoginAttempt Attempt(AuthHttpEndpoint endpoint, string login, string secret, string clientIp, AuthMethod method = AuthMethod.XOAuth2, string? salt = null) =>
        new(MailProtocol.Imap, method, login, secret, salt, clientIp, 1, null, endpoint);

    [Fact]
    public async Task ATokenIsNeverServedStalePastItsAuthCacheTtl()
    {
        var (tokenLogin, passwordLogin) = (UniqueLogin(), UniqueLogin());
        var auth = await TestAuthServer.StartAsync(_ => AuthReply.With(("Auth-Status", "OK"), ("Auth-Server", Backend), ("Auth-Port", "143"), ("Auth-Cache-TTL", "1")));
        var address = UniqueAddress();
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(tokenLogin).DecideLogin(Attempt(auth.Endpoint(), tokenLogin, "token-1", address), Ct)).Outcome);
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(passwordLogin).DecideLogin(Attempt(auth.Endpoint(), passwordLogin, "pw", address, AuthMethod.Plain), Ct)).Outcome);
        fixture.Time.Advance(TimeSpan.FromSeconds(1.5));

        var endpoint = auth.Endpoint(TimeSpan.FromSeconds(2));
        await auth.DisposeAsync();
        // The auth server said the token is good for 1 s: an outage does not stretch that (auth_cache_stale_if_error is 10 min).
        Assert.Equal(LoginOutcome.TemporaryFailure, (await fixture.Grain(tokenLogin).DecideLogin(Attempt(endpoint, tokenLogin, "token-1", address), Ct)).Outcome);
        // A password's decision is (README "LoginPolicy"): the difference is the token's.
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(passwordLogin).DecideLogin(Attempt(endpoint, passwordLogin, "pw", address, AuthMethod.Plain), Ct)).Outcome);
    }

    [Fact]
    public async Task ABearerLoginsAuthPassProvesNoCramMd5DigestLocally()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Ok(Backend, 143, pass: "app-pw"));
        var address = UniqueAddress();
        var allowed = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "token-1", address), Ct);
        Assert.Equal(new LoginDecision(LoginOutcome.Allowed, Backend, 143, login, "app-pw"), allowed);

        const string salt = "<42.1700000000@mx.example.org>";
        var digest = Convert.ToHexStringLower(HMACMD5.HashData("app-pw"u8.ToArray(), Encoding.ASCII.GetBytes(salt)));
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, digest, address, AuthMethod.CramMd5, salt), Ct);

        Assert.Equal(2, auth.RequestCount);
    }
}
