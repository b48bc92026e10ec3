using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Concurrent-session limits for one login, across every front end (Dovecot's mail_max_userip_connections made
/// cluster-wide): per login and client address prefix, per login, and (through the address prefix's grain) per
/// address across logins. An allowed login takes its slot in the same call as the decision, so the hot path stays
/// one call; decisions are taken one at a time, so parallel logins cannot overshoot a limit. Leases are in memory:
/// front ends renew them, a renewal the grain does not know registers it again (after a silo crash), and a lease
/// nobody renews (its front end died) expires after <see cref="Hosting.LoginPolicySettings.SessionLeaseTtl"/>.
/// </summary>
internal sealed partial class UserLoginGrain
{
    private readonly SessionLeaseTable _sessions = new(metrics, Telemetry.TelemetryLabels.LeaseScope.Login);

    /// <inheritdoc />
    /// <remarks>The leases go with the activation (renewals bring them back to the next one): they stop counting as held.</remarks>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _sessions.Clear();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Takes a slot for an allowed login, or refuses with Dovecot's wording (its login process answers a full
    /// mail_max_userip_connections with the protocol's temporary failure and this text).
    /// </summary>
    private async Task<LoginDecision> OpenSessionAsync(LoginAttempt attempt, string frontEnd, LoginDecision allowed)
    {
        // smtp_auth none relays one sender's mail with no login: nothing to count per user.
        if (!settings.SessionLimits || attempt.Method == AuthMethod.None) return allowed;

        var now = timeProvider.GetUtcNow();
        var prefix = AddressPrefix.For(attempt.ClientIp, settings);
        if (settings.SessionLimitPerLoginAddress > 0 && _sessions.CountIn(prefix, now) >= settings.SessionLimitPerLoginAddress)
            return LoginDecision.OverSessionLimit(
                $"Maximum number of connections from user+IP exceeded (session_limit_per_login_address={settings.SessionLimitPerLoginAddress})");
        if (settings.SessionLimitPerLogin > 0 && _sessions.Count(now) >= settings.SessionLimitPerLogin)
            return LoginDecision.OverSessionLimit(
                $"Maximum number of connections for user exceeded (session_limit_per_login={settings.SessionLimitPerLogin})");

        var lease = new SessionLease(Guid.NewGuid().ToString("N"), this.GetPrimaryKeyString(), attempt.ClientIp, attempt.Protocol, frontEnd, now);
        if (LimitsAddress(attempt.ClientIp) && !await AddressGrain(prefix).TryOpenSession(lease))
            return LoginDecision.OverSessionLimit(
                $"Maximum number of connections from IP exceeded (session_limit_per_address={settings.SessionLimitPerAddress})");

        _sessions.Add(lease, prefix, timeProvider.GetUtcNow() + settings.SessionLeaseTtl);
        return allowed with { Session = lease, SessionLeaseTtl = settings.SessionLeaseTtl };
    }

    /// <inheritdoc />
    public async Task RenewSessions(IReadOnlyList<SessionLease> leases)
    {
        var expiresAt = timeProvider.GetUtcNow() + settings.SessionLeaseTtl;
        var renewed = leases.Where(l => _sessions.Renew(l, AddressPrefix.For(l.ClientAddress, settings), expiresAt)).ToList();
        // The address prefixes' grains hear of it too, one call per prefix, so their counts also survive a crash.
        await Task.WhenAll(renewed
            .Where(l => LimitsAddress(l.ClientAddress))
            .GroupBy(l => AddressPrefix.For(l.ClientAddress, settings))
            .Select(g => AddressGrain(g.Key).RenewSessions(g.ToList())));
    }

    /// <inheritdoc />
    /// <remarks>Passed on to the address prefix's grain one-way too: nothing here waits for it.</remarks>
    public Task ReleaseSession(string leaseId)
    {
        var now = timeProvider.GetUtcNow();
        return _sessions.Release(leaseId, now + settings.SessionLeaseTtl) is { } lease && LimitsAddress(lease.ClientAddress)
            ? AddressGrain(AddressPrefix.For(lease.ClientAddress, settings)).ReleaseSession(leaseId)
            : Task.CompletedTask;
    }

    /// <summary>The per-address limit applies, except to trusted networks (a webmail front logs everybody in from one address).</summary>
    private bool LimitsAddress(string clientIp) =>
        settings.SessionLimitPerAddress > 0 && !AddressPrefix.IsTrusted(clientIp, settings);
}
