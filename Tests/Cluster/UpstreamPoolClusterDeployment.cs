using System.Globalization;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// <see cref="ClusterDeployment"/> with a second Dovecot: the two are the IMAP upstream pool of both Silos (checked
/// every second), and the auth server answers OK without naming an upstream, so the login grains place every user.
/// Each backend's INBOX holds one marker message per user, "backend-0" or "backend-1", so a session tells which
/// backend it reached.
/// </summary>
public sealed class UpstreamPoolClusterDeployment() : ClusterDeployment(siloCount: 2, siloSettings: new Dictionary<string, string>
{
    ["UpstreamPools:CheckInterval"] = "1s",
    ["UpstreamPools:CheckTimeout"] = "1s",
})
{
    private static readonly (string User, string Password)[] PoolUsers = [("alice", "alice-password"), ("bob", "bob-password"), ("carol", "carol-password"), ("erin", "erin-password")];

    public DovecotServer SecondDovecot { get; private set; } = null!;

    /// <summary>The pool: backend 0 is <see cref="ClusterDeployment.Dovecot"/>, backend 1 <see cref="SecondDovecot"/>.</summary>
    public IReadOnlyList<DovecotServer> Backends => [Dovecot, SecondDovecot];

    protected override async Task<IReadOnlyDictionary<string, string>> PrepareAsync()
    {
        SecondDovecot = await DovecotServer.StartAsync(PoolUsers);
        for (var i = 0; i < Backends.Count; i++)
            await BackendMarkers.AppendAsync(Backends[i], i, PoolUsers.Select(u => u.User));

        // Right password: OK with no Auth-Server, the pool decides.
        UseAuth(request => request.Decoded("Auth-User") is { } user && PoolUsers.Any(u => u.User == user && u.Password == request.Decoded("Auth-Pass"))
            ? AuthReply.With(("Auth-Status", "OK"))
            : AuthReply.Fail("Invalid login or password"));
        return new Dictionary<string, string>
        {
            ["UpstreamPools:Imap:0"] = $"{Dovecot.Host}:{Dovecot.ImapPort.ToString(CultureInfo.InvariantCulture)}",
            ["UpstreamPools:Imap:1"] = $"{SecondDovecot.Host}:{SecondDovecot.ImapPort.ToString(CultureInfo.InvariantCulture)}",
        };
    }

    protected override async ValueTask DisposePreparedAsync()
    {
        if (SecondDovecot is not null) await SecondDovecot.DisposeAsync();
    }
}
