using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Upstreams;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// A two-silo cluster with upstream pools made of a real Dovecot: the IMAP pool holds its IMAP port twice (as
/// 127.0.0.1 and as localhost, two upstreams that both pass), its POP3 port (a real server with the wrong greeting
/// for IMAP) and a closed port; the POP3 pool holds its POP3 port twice. Checks every 200 ms, 2 to fall, 2 to rise.
/// </summary>
public sealed class UpstreamClusterFixture() : GrainClusterFixture(new LoginPolicySettings())
{
    public DovecotServer Dovecot { get; private set; } = null!;

    public UpstreamPoolSettings Pools { get; private set; } = null!;

    public PoolUpstream Imap1 => Pools.Imap[0];

    public PoolUpstream Imap2 => Pools.Imap[1];

    public PoolUpstream WrongGreeting => Pools.Imap[2];

    public PoolUpstream Closed => Pools.Imap[3];

    public override async ValueTask InitializeAsync()
    {
        Dovecot = await DovecotServer.StartAsync(("alice", "alice-password"));
        Pools = new UpstreamPoolSettings
        {
            Imap = [new("127.0.0.1", Dovecot.ImapPort), new("localhost", Dovecot.ImapPort), new("127.0.0.1", Dovecot.Pop3Port), new("127.0.0.1", RawTcpResponder.UnusedPort())],
            Pop3 = [new("127.0.0.1", Dovecot.Pop3Port), new("localhost", Dovecot.Pop3Port)],
            Tries = 3,
            CheckInterval = TimeSpan.FromMilliseconds(200),
            CheckTimeout = TimeSpan.FromSeconds(2),
            CheckFails = 2,
            CheckPasses = 2,
        };
        await base.InitializeAsync();
    }

    protected override void ConfigureSiloServices(IServiceCollection services) => services.AddSingleton(Pools);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Dovecot is not null) await Dovecot.DisposeAsync();
    }
}

/// <summary>The collection sharing one <see cref="UpstreamClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class UpstreamClusterCollection : ICollectionFixture<UpstreamClusterFixture>
{
    public const string Name = "upstream-cluster";
}
