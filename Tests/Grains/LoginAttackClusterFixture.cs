using System.Net;
using System.Security.Cryptography;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// A two-silo cluster on virtual time (<see cref="VirtualTimeClusterFixture"/>), with the login policy's defaults
/// except a small guessing budget, so tests can step through Auth-Waits, repeat windows, admission turns and lease
/// TTLs without waiting for them; its silos record every grain call they receive (<see cref="GrainCallRecorder"/>), so
/// tests can count what a login costs.
/// </summary>
public sealed class LoginAttackClusterFixture() : VirtualTimeClusterFixture(Policy)
{
    /// <summary>The trusted network (a webmail front).</summary>
    public const string TrustedNetwork = "198.51.100.0/24";

    public static readonly LoginPolicySettings Policy = new()
    {
        BruteforceLoginBudget = 10,
        // Shared by both silos, as a production cluster configures it: a grain that moves keeps recognising its hashes.
        SecretHashKey = RandomNumberGenerator.GetBytes(32),
        TrustedNetworks = [IPNetwork.Parse(TrustedNetwork)],
    };

    /// <summary>Every grain call the silos received.</summary>
    public GrainCallRecorder Calls { get; } = new();

    protected override void ConfigureSilo(ISiloBuilder silo) => silo.AddIncomingGrainCallFilter(Calls.InvokeAsync);
}

/// <summary>The collection sharing one <see cref="LoginAttackClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class LoginAttackClusterCollection : ICollectionFixture<LoginAttackClusterFixture>
{
    public const string Name = "login-attack-cluster";
}
