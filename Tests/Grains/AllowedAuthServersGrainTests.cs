using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// <c>Cluster:AllowedAuthServers</c> on real login grains and real auth servers: an attempt naming the listed URL
/// (however it is written) is decided by that server as usual; one naming another server gets the temporary failure
/// and that server never hears of it, so a compromised front end cannot send the users' passwords elsewhere.
/// </summary>
[Collection(AllowedAuthServersClusterCollection.Name)]
public sealed class AllowedAuthServersGrainTests(AllowedAuthServersClusterFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LoginAttempt Attempt(AuthHttpEndpoint endpoint, string login, string secret) =>
        new(MailProtocol.Imap, AuthMethod.Plain, login, secret, null, TestLogins.UniqueAddress(), 1, null, endpoint);

    [Fact]
    public async Task TheListedAuthServerDecidesAsUsual()
    {
        var login = TestLogins.UniqueLogin("listed");
        fixture.Listed.Handler = TestAuthServer.UsersAndPasswords(new Dictionary<string, string> { [login] = "right" }, "10.0.0.9", 1143);

        var allowed = await fixture.Grain(login).DecideLogin(Attempt(fixture.Listed.Endpoint(), login, "right"), Ct);
        var refused = await fixture.Grain(login).DecideLogin(Attempt(fixture.Listed.Endpoint(), login, "wrong"), Ct);
        // nginx's scheme-less form of the same URL is the same server.
        var schemeLess = fixture.Listed.Endpoint() with { Url = fixture.Listed.Url["http://".Length..] };
        var again = await fixture.Grain(login).DecideLogin(Attempt(schemeLess, login, "right"), Ct);

        Assert.Equal(LoginOutcome.Allowed, allowed.Outcome);
        Assert.Equal(LoginOutcome.Refused, refused.Outcome);
        Assert.Equal(LoginOutcome.Allowed, again.Outcome);
        Assert.Equal(3, fixture.Listed.Requests.Count(r => r.Decoded("Auth-User") == login));
    }

    [Fact]
    public async Task AnUnlistedAuthServerIsRefusedWithoutAnyRequestReachingIt()
    {
        var login = TestLogins.UniqueLogin("unlisted");
        fixture.Unlisted.Handler = TestAuthServer.UsersAndPasswords(new Dictionary<string, string> { [login] = "right" }, "10.0.0.9", 1143);
        var before = fixture.Unlisted.RequestCount;

        var decision = await fixture.Grain(login).DecideLogin(Attempt(fixture.Unlisted.Endpoint(), login, "right"), Ct);
        // Another path on the listed server is another auth server too.
        var otherPath = fixture.Listed.Endpoint() with { Url = fixture.Listed.BaseUrl + "/other" };
        var otherPathDecision = await fixture.Grain(login).DecideLogin(Attempt(otherPath, login, "right"), Ct);

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
        Assert.Equal(LoginOutcome.InternalError, otherPathDecision.Outcome);
        Assert.Equal(before, fixture.Unlisted.RequestCount);
        Assert.DoesNotContain(fixture.Listed.Requests, r => r.Decoded("Auth-User") == login);
        // One warning per refused attempt, naming the server (scheme, host and port).
        Assert.Single(fixture.Logs.Lines, line => line.StartsWith("Warning OrleansMail.Grains.Login.AuthServerAllowList[3001]: ", StringComparison.Ordinal)
            && line.Contains($"its auth_http server {fixture.Unlisted.BaseUrl} is not in Cluster:AllowedAuthServers", StringComparison.Ordinal));
    }
}
