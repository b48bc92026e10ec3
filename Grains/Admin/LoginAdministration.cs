using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Login;

namespace OrleansMail.Grains.Admin;

/// <summary>The admin operations on login state, across the whole cluster; used by the admin HTTP endpoints.</summary>
public sealed class LoginAdministration(IGrainFactory grains, LoginPolicySettings settings)
{
    /// <summary>
    /// Flushes every login's cache. The cache lives only in active grains' memory, so flushing every active login
    /// grain on every silo (the management grain lists them) empties the whole cluster's cache; a grain activated
    /// meanwhile starts empty anyway. Returns how many grains were flushed.
    /// </summary>
    public async Task<int> FlushAllAsync()
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var active = await management.GetActiveGrains(GrainType.Create(UserLoginGrain.GrainTypeName));
        await Task.WhenAll(active.Select(id => grains.GetGrain<IUserLoginGrain>(id.Key.ToString()!).FlushCache()));
        return active.Count;
    }

    /// <summary>Flushes one login's cached decisions.</summary>
    public Task FlushAsync(string login) => Login(login).FlushCache();

    /// <summary>
    /// Lifts throttling: for a login (from one address, or every address when <paramref name="address"/> is null),
    /// and for the address prefix across logins when an address is given.
    /// </summary>
    public async Task UnblockAsync(string? login, string? address)
    {
        if (login is not null) await Login(login).Unblock(address);
        if (address is not null) await grains.GetGrain<IClientAddressGrain>(AddressPrefix.For(address, settings)).Unblock();
    }

    /// <summary>A login's state without secrets.</summary>
    public Task<UserLoginReport> ReportAsync(string login) => Login(login).Report();

    /// <summary>The sessions a login holds under the session limits: front end, client address, protocol, start.</summary>
    public async Task<IReadOnlyList<SessionLease>> SessionsAsync(string login) => (await Login(login).Report()).Sessions;

    private IUserLoginGrain Login(string login) => grains.GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, settings.LoginCase));
}
