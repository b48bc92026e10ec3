using System.Diagnostics;

namespace OrleansMail.Tests.Support;

/// <summary>
/// Waits for what happens after the call that caused it returned: a one-way grain call arriving, a cache refreshed by
/// a stream, a log line written after the client saw its reply, a span stopped after its result. The condition is
/// polled (real time, bounded), never slept on for a fixed time, and a wait that runs out fails naming what did not
/// happen. A wait for a window, a TTL or a timeout is not this: those tests advance a FakeTimeProvider.
/// </summary>
public static class Eventually
{
    /// <summary>The bound when a test names none.</summary>
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>Whether <paramref name="condition"/> held within <paramref name="within"/> (5 s unless given).</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > (within ?? DefaultWithin)) return false;
            await Task.Delay(Poll, TestContext.Current.CancellationToken);
        }
        return true;
    }

    /// <inheritdoc cref="HoldsAsync(Func{Task{bool}}, TimeSpan?)"/>
    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan? within = null) =>
        HoldsAsync(() => Task.FromResult(condition()), within);

    /// <summary>Fails the test unless <paramref name="condition"/> holds within <paramref name="within"/> (5 s unless given).</summary>
    public static async Task AssertAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null) =>
        Assert.True(await HoldsAsync(condition, within), $"not within {(within ?? DefaultWithin).TotalSeconds} s: {what}");

    /// <inheritdoc cref="AssertAsync(Func{Task{bool}}, string, TimeSpan?)"/>
    public static Task AssertAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        AssertAsync(() => Task.FromResult(condition()), what, within);
}
