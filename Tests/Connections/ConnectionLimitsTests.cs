using System.Net;
using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Connections;

/// <summary>
/// The counts behind the front door's limits: the pre-login count per client prefix (IPv4 /32 and IPv6 /64 by
/// default, as the login policy counts), trusted networks and a limit of 0 not counted, a released slot given back
/// once; the process-wide count; and the settings as operators write them. The limits at work on the real process
/// are in <c>Tests/FrontDoor/ConnectionFloodTests</c>.
/// </summary>
public sealed class ConnectionLimitsTests
{
    private static ConnectionLimits Limits(params (string Key, string Value)[] values) =>
        new(ConnectionLimitSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build()));

    private static IPEndPoint At(string address) => new(IPAddress.Parse(address), 40000);

    [Fact]
    public void AnIpv6Slash64CountsAsOneClientAndAnotherSlash64AsAnother()
    {
        var limits = Limits(("PreloginConnectionsPerAddress", "2"));
        Assert.NotNull(limits.TryEnterPrelogin(At("2001:db8:1:2::1")));
        Assert.NotNull(limits.TryEnterPrelogin(At("2001:db8:1:2:ffff::9")));
        Assert.Null(limits.TryEnterPrelogin(At("2001:db8:1:2:abcd::1")));
        Assert.NotNull(limits.TryEnterPrelogin(At("2001:db8:1:3::1")));
    }

    [Fact]
    public void Ipv4CountsPerAddressAndAMappedAddressIsTheSameClient()
    {
        var limits = Limits(("PreloginConnectionsPerAddress", "1"));
        var slot = limits.TryEnterPrelogin(At("192.0.2.7"));
        Assert.NotNull(slot);
        Assert.Null(limits.TryEnterPrelogin(At("::ffff:192.0.2.7")));
        Assert.NotNull(limits.TryEnterPrelogin(At("192.0.2.8")));

        // Given back once: a second release does not free a place it no longer holds.
        slot.Release();
        slot.Release();
        Assert.NotNull(limits.TryEnterPrelogin(At("192.0.2.7")));
        Assert.Null(limits.TryEnterPrelogin(At("192.0.2.7")));
    }

    [Fact]
    public void ThePolicysPrefixLengthsApply()
    {
        var limits = Limits(("PreloginConnectionsPerAddress", "1"), ("LoginPolicy:BruteforceIpv4Prefix", "24"));
        Assert.NotNull(limits.TryEnterPrelogin(At("198.51.100.1")));
        Assert.Null(limits.TryEnterPrelogin(At("198.51.100.200")));
        Assert.NotNull(limits.TryEnterPrelogin(At("198.51.101.1")));
    }

    [Fact]
    public void TrustedNetworksAndALimitOfZeroAreNotCounted()
    {
        var trusted = Limits(("PreloginConnectionsPerAddress", "1"), ("LoginPolicy:TrustedNetworks", "10.0.0.0/8"));
        for (var i = 0; i < 5; i++) Assert.NotNull(trusted.TryEnterPrelogin(At("10.1.2.3")));
        Assert.Equal(0, trusted.PreloginFrom(IPAddress.Parse("10.1.2.3")));

        var off = Limits(("PreloginConnectionsPerAddress", "0"));
        for (var i = 0; i < 50; i++) Assert.NotNull(off.TryEnterPrelogin(At("192.0.2.1")));
    }

    [Fact]
    public void WorkerConnectionsCountEveryConnectionAndARefusedOneLeavesNoTrace()
    {
        var limits = Limits(("WorkerConnections", "2"));
        Assert.True(limits.TryOpen());
        Assert.True(limits.TryOpen());
        Assert.False(limits.TryOpen());
        Assert.Equal(2, limits.Open);
        limits.Close();
        Assert.True(limits.TryOpen());
    }

    [Fact]
    public void DefaultsAreTwentyPerAddressAndHalfTheOpenFileLimit()
    {
        var settings = ConnectionLimitSettings.From(new ConfigurationBuilder().Build());
        Assert.Equal(20, settings.PreloginPerAddress);
        var soft = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            ["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        // (limit - 256) / 2, or nginx's 512 where the limit is too small for that to be more.
        var limit = long.Parse(soft, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(limit > 2 * 512 + 256 ? (int)((limit - 256) / 2) : 512, settings.WorkerConnections);
    }

    [Theory]
    [InlineData("WorkerConnections", "0")]
    [InlineData("WorkerConnections", "many")]
    [InlineData("PreloginConnectionsPerAddress", "-1")]
    public void ABadValueIsRefusedNamingItsKey(string key, string value)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Limits((key, value)));
        Assert.Equal(key, error.Key);
    }
}
