using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace OrleansMail.Tests.Reliability;

/// <summary>
/// What one kind of hostile connection measured: how long after its deadline (negative: before) the server closed them, and
/// how many got more from the server than their kind allows before the close (<see cref="HostileKind.ServerLines"/>).
/// </summary>
internal sealed record HostileKindResult(string Kind, int Connections, int StillOpen, int UnexpectedReplies,
    TimeSpan EarliestBeforeDeadline, TimeSpan LatestBeyondDeadline, string Example);

/// <summary>
/// Many <see cref="HostileConnection"/>s opened against the Frontend, of every kind in turn, each from one of many loopback
/// addresses (10 per address, so the default per-address pre-login limit of 20 never refuses one). One periodic timer
/// sends every connection's due bytes and samples the Frontend's RSS; each connection's pending receive records when the
/// server closed it.
/// </summary>
internal sealed class HostileFlood(IReadOnlyList<HostileKind> kinds, Func<FloodListener, int> port, Func<long> rss) : IAsyncDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentQueue<HostileConnection> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _ticker;
    private long _peakRss;
    private int _peakOpen;

    /// <summary>The Frontend's highest RSS seen while the flood ran.</summary>
    public long PeakRss => Interlocked.Read(ref _peakRss);

    /// <summary>The longest time between two of the timer's rounds: how late this process ran the hostile clients' sends at worst.</summary>
    public TimeSpan LongestTickGap { get; private set; }

    /// <summary>The most hostile connections open at once (by the client's count).</summary>
    public int PeakOpen => Volatile.Read(ref _peakOpen);

    public int Count => _connections.Count;

    /// <summary>Opens <paramref name="count"/> connections, <paramref name="parallel"/> connects at a time, the kinds in turn.</summary>
    public async Task OpenAsync(int count, int parallel, CancellationToken cancellationToken)
    {
        _ticker ??= Task.Run(TickAsync, CancellationToken.None);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var connection = new HostileConnection(kinds[i % kinds.Count], i, SourceAddress(i));
                await connection.ConnectAsync(port(connection.Kind.Listener), ct);
                _connections.Enqueue(connection);
            });
    }

    /// <summary>127.1.x.y: ten connections from each address.</summary>
    private static IPAddress SourceAddress(int index)
    {
        var address = index / 10;
        return new IPAddress([127, 1, (byte)(address / 250), (byte)(address % 250 + 1)]);
    }

    /// <summary>Waits until the server has closed every connection, or <paramref name="atMost"/> passed; true when all are closed.</summary>
    public async Task<bool> WaitAllClosedAsync(TimeSpan atMost, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (_connections.Any(c => !c.Closed))
        {
            if (clock.Elapsed > atMost) return false;
            await Task.Delay(200, cancellationToken);
        }
        return true;
    }

    /// <summary>Per kind: connections, those still open, and the spread of close times around their deadlines.</summary>
    public IReadOnlyList<HostileKindResult> Results() =>
        _connections.GroupBy(c => c.Kind.Name).Select(group =>
        {
            var closed = group.Where(c => c.Closed).ToList();
            TimeSpan Beyond(HostileConnection c) => Stopwatch.GetElapsedTime(c.DeadlineAt(), c.ClosedAt);
            var latest = closed.MaxBy(Beyond);
            var open = group.FirstOrDefault(c => !c.Closed);
            var unexpected = group.Where(c => c.LinesReceived > c.Kind.ServerLines).ToList();
            var example = open ?? unexpected.FirstOrDefault() ?? latest;
            return new HostileKindResult(group.Key, group.Count(), group.Count(c => !c.Closed), unexpected.Count,
                closed.Count == 0 ? TimeSpan.Zero : closed.Min(Beyond), latest is null ? TimeSpan.Zero : Beyond(latest),
                example is null ? "" : $"sent {example.Sent} bytes, phase started {(example.PhaseStartedAt == 0 ? "never" : "yes")}, received: {example.Received.ReplaceLineEndings("\\n")}");
        }).OrderBy(r => r.Kind, StringComparer.Ordinal).ToList();

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            var previous = Stopwatch.GetTimestamp();
            do
            {
                var now = Stopwatch.GetTimestamp();
                if (Stopwatch.GetElapsedTime(previous, now) is var gap && gap > LongestTickGap) LongestTickGap = gap;
                previous = now;
                var open = 0;
                foreach (var connection in _connections)
                {
                    connection.Tick(now);
                    if (!connection.Closed) open++;
                }
                if (open > _peakOpen) Volatile.Write(ref _peakOpen, open);
                var resident = rss();
                if (resident > Interlocked.Read(ref _peakRss)) Interlocked.Exchange(ref _peakRss, resident);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_ticker is not null) await _ticker;
        foreach (var connection in _connections) connection.Dispose();
        _stop.Dispose();
    }
}
