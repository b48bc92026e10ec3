using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The cluster for the login grain's protocol tests: the login policy is off here (no cache, no throttling), so
/// every attempt reaches the auth server, as with nginx; the policy has its own fixture. Tests use unique logins and
/// their own <see cref="Support.TestAuthServer"/>, so they do not see each other.
/// </summary>
public sealed class LoginClusterFixture() : VirtualTimeClusterFixture(PolicyOff)
{
    /// <summary>No cache and no throttling.</summary>
    public static readonly LoginPolicySettings PolicyOff = new()
    {
        AuthCacheTtl = TimeSpan.Zero,
        BruteforceLoginThreshold = 0,
        BruteforceAddressThreshold = 0,
    };
}

/// <summary>The collection sharing one <see cref="LoginClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class LoginClusterCollection : ICollectionFixture<LoginClusterFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "login-cluster";
}
