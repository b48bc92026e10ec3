using OrleansMail.Frontend.Auth;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// <see cref="LoginGrains"/>: once a call has gone through, references are built from the kept types and reach the
/// same activation as Orleans' own <c>GetGrain&lt;T&gt;(key)</c>; before that, Orleans' own reference is used.
/// </summary>
[Collection(LoginClusterCollection.Name)]
public sealed class LoginGrainsTests(LoginClusterFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReferencesBuiltFromTheKeptTypesReachTheSameGrainAsGetGrain()
    {
        var client = fixture.Cluster.Client;
        var logins = new LoginGrains(client);
        var first = $"first-{Guid.NewGuid():N}@example.org";
        var second = $"second-{Guid.NewGuid():N}@example.org";
        await using var auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(
            new Dictionary<string, string> { [first] = "pw", [second] = "pw" }, "10.0.0.9", 1143));
        LoginAttempt Attempt(string login) =>
            new(MailProtocol.Imap, AuthMethod.Plain, login, "pw", null, "192.0.2.44", 1, null, auth.Endpoint(null));

        var before = logins.For(first);
        Assert.Equal(client.GetGrain<IUserLoginGrain>(first).GetGrainId(), before.GetGrainId());
        Assert.Equal(LoginOutcome.Allowed, (await before.DecideLogin(Attempt(first), Ct)).Outcome);
        logins.Succeeded(before);

        var after = logins.For(second);
        var expected = (GrainReference)client.GetGrain<IUserLoginGrain>(second);
        Assert.Equal(expected.GetGrainId(), after.GetGrainId());
        Assert.Equal(expected.InterfaceType, ((GrainReference)after).InterfaceType);
        Assert.Equal(LoginOutcome.Allowed, (await after.DecideLogin(Attempt(second), Ct)).Outcome);
        Assert.Throws<ArgumentException>(() => logins.For(" "));
    }
}
