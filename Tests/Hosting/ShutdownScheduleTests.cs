using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Hosting;

/// <summary>
/// <c>ShutdownDelay</c> / <c>ShutdownTimeout</c> (README "Graceful rollouts"): the defaults, which fit Kubernetes'
/// terminationGracePeriodSeconds of 45 for a Frontend, nginx's time syntax, and a bad value naming its key.
/// </summary>
public sealed class ShutdownScheduleTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void TheDelayDefaultsTo5sWhereReadinessIsServedAnd0ElseAndTheWholeStopFitsA45sGracePeriod()
    {
        var withHealth = ShutdownSchedule.From(Config(), nginx: null, servesReadiness: true);
        Assert.Equal(new ShutdownSchedule(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)), withHealth);
        Assert.Equal(TimeSpan.FromSeconds(40), withHealth.HostTimeout);
        Assert.True(withHealth.HostTimeout < TimeSpan.FromSeconds(45));
        Assert.Equal(TimeSpan.Zero, ShutdownSchedule.From(Config(), nginx: null, servesReadiness: false).Delay);
    }

    [Fact]
    public void BothTakeNginxTimesAndABadValueNamesItsKey()
    {
        var schedule = ShutdownSchedule.From(Config(("ShutdownDelay", "1500ms"), ("ShutdownTimeout", "2m")), nginx: null, servesReadiness: false);
        Assert.Equal(new ShutdownSchedule(TimeSpan.FromMilliseconds(1500), TimeSpan.FromMinutes(2)), schedule);
        var error = Assert.Throws<InvalidConfigurationException>(() => ShutdownSchedule.From(Config(("ShutdownDelay", "soon")), nginx: null, servesReadiness: true));
        Assert.Equal("ShutdownDelay", error.Key);
    }
}
