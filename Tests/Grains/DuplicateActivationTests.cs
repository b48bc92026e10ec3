using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Login;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// README "Consistency": the strongly consistent grain directory keeps one activation per login, and should two ever
/// coexist (a directory that is not strongly consistent, a split during membership change), neither loses the other's
/// wrong-secret counts. A second activation is played by writing the grain's stored state behind its back, exactly as
/// another activation's write would land; the grain's next write then meets an ETag conflict, reads the state back
/// and re-applies its change, so both activations' failures count towards the threshold.
/// </summary>
[Collection(LoginPolicyClusterCollection.Name)]
public sealed class DuplicateActivationTests(LoginPolicyClusterFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FailuresWrittenByAnotherActivationAreKeptAndCounted()
    {
        var login = $"dup-{Guid.NewGuid():N}@example.org";
        var address = $"10.77.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}";
        var users = new ConcurrentDictionary<string, string> { [login] = "right" };
        await using var auth = await TestAuthServer.StartAsync(request =>
            request.Decoded("Auth-User") is { } user && users.TryGetValue(user, out var password) && request.Decoded("Auth-Pass") == password
                ? AuthReply.With([("Auth-Status", "OK"), ("Auth-Server", "10.0.0.9"), ("Auth-Port", "143")])
                : AuthReply.Fail("Invalid login or password"));
        var grain = fixture.Cluster.Client.GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, LoginCase.Insensitive));
        LoginAttempt Attempt(string secret) => new(MailProtocol.Imap, AuthMethod.Plain, login, secret, null, address, 1, null, auth.Endpoint());

        // This activation counts two distinct wrong secrets.
        await grain.DecideLogin(Attempt("guess 1"), Ct);
        await grain.DecideLogin(Attempt("guess 2"), Ct);

        // The "other activation" counts two more and writes them, moving the stored ETag on.
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
        var grainId = GrainId.Create(UserLoginGrain.GrainTypeName, LoginGrainKey.For(login, LoginCase.Insensitive));
        var stored = new GrainState<LoginThrottleState>();
        await storage.ReadStateAsync("throttle", grainId, stored);
        var prefix = AddressPrefix.For(address, LoginPolicyClusterFixture.Policy);
        var window = stored.State!.ByAddressPrefix[prefix];
        Assert.Equal(2, window.Entries.Count);
        window.Add(RandomNumberGenerator.GetBytes(32), DateTimeOffset.UtcNow);
        window.Add(RandomNumberGenerator.GetBytes(32), DateTimeOffset.UtcNow);
        await storage.WriteStateAsync("throttle", grainId, stored);

        // This activation's third failure conflicts, is re-applied on the stored state: 2 + 2 + 1 = 5, the threshold.
        Assert.Equal(LoginOutcome.Refused, (await grain.DecideLogin(Attempt("guess 3"), Ct)).Outcome);
        Assert.Equal(3, auth.RequestCount);
        await storage.ReadStateAsync("throttle", grainId, stored);
        Assert.Equal(5, stored.State!.ByAddressPrefix[prefix].Entries.Count);

        // So the login is now throttled from that address: even the right password is refused without the auth server.
        Assert.Equal(LoginOutcome.Refused, (await grain.DecideLogin(Attempt("right"), Ct)).Outcome);
        Assert.Equal(3, auth.RequestCount);
    }
}
