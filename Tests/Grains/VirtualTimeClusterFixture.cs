using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// A <see cref="GrainClusterFixture"/> whose grains run on a <see cref="FakeTimeProvider"/>: tests step through
/// cache TTLs, Auth-Waits, repeat windows and lease TTLs with <see cref="FakeTimeProvider.Advance"/> instead of
/// waiting for them. The clock is shared by the collection's tests, which run one after another and use unique
/// logins, so moving it on only ages other tests' finished state.
/// </summary>
public abstract class VirtualTimeClusterFixture(LoginPolicySettings policy) : GrainClusterFixture(policy)
{
    /// <summary>The silos' clock; starts at a fixed date and moves only when a test advances it.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    protected override void ConfigureSiloServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);
}
