using OrleansMail.Grains.Upstreams;

namespace OrleansMail.Tests.Upstreams;

/// <summary>The health verdict's hysteresis: <c>fails</c> in a row mark down, <c>passes</c> in a row mark up.</summary>
public sealed class UpstreamHealthTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ANewVerdictIsUp()
    {
        var health = new UpstreamHealth(fails: 2, passes: 2, Start);
        Assert.True(health.Healthy);
        Assert.Equal(Start, health.Since);
    }

    [Fact]
    public void FailuresInARowMarkDownAndASuccessBetweenThemResetsTheCount()
    {
        var health = new UpstreamHealth(fails: 3, passes: 2, Start);
        Assert.False(health.Failed("refused", Start.AddSeconds(1)));
        Assert.False(health.Failed("refused", Start.AddSeconds(2)));
        Assert.False(health.Succeeded(Start.AddSeconds(3)));
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.False(health.Failed("refused", Start.AddSeconds(4)));
        Assert.False(health.Failed("refused", Start.AddSeconds(5)));
        Assert.True(health.Healthy);
        Assert.True(health.Failed("timed out", Start.AddSeconds(6)));
        Assert.False(health.Healthy);
        Assert.Equal("timed out", health.LastError);
        Assert.Equal(Start.AddSeconds(6), health.Since);
        Assert.False(health.Failed("refused", Start.AddSeconds(7)));
        Assert.Equal(Start.AddSeconds(6), health.Since);
    }

    [Fact]
    public void PassesInARowMarkUpAgainAndAFailureBetweenThemResetsTheCount()
    {
        var health = new UpstreamHealth(fails: 1, passes: 3, Start);
        Assert.True(health.Failed("refused", Start.AddSeconds(1)));
        Assert.False(health.Succeeded(Start.AddSeconds(2)));
        Assert.False(health.Succeeded(Start.AddSeconds(3)));
        Assert.False(health.Failed("refused", Start.AddSeconds(4)));
        Assert.False(health.Succeeded(Start.AddSeconds(5)));
        Assert.False(health.Succeeded(Start.AddSeconds(6)));
        Assert.False(health.Healthy);
        Assert.True(health.Succeeded(Start.AddSeconds(7)));
        Assert.True(health.Healthy);
        Assert.Null(health.LastError);
        Assert.Equal(Start.AddSeconds(7), health.Since);
    }
}
