using OrleansMail.Grains.Upstreams;

namespace OrleansMail.Tests.Upstreams;

/// <summary>
/// The properties upstream stickiness rests on, checked over many logins rather than against fixed indices:
/// the same order everywhere, an even spread, and minimal movement when an upstream leaves or returns.
/// </summary>
public sealed class RendezvousHashTests
{
    private static readonly string[] Pool = ["10.0.0.1:143", "10.0.0.2:143", "10.0.0.3:143", "10.0.0.4:143", "mail5.example.net:143"];

    private static readonly string[] Logins = Enumerable.Range(0, 10_000).Select(i => $"user{i}@example.org").ToArray();

    private static string First(string login, IEnumerable<string> pool) => RendezvousHash.Order(login, pool, n => n)[0];

    [Fact]
    public void TheOrderIsAPermutationOfThePoolAndDoesNotDependOnTheListedOrder()
    {
        var shuffled = Pool.Reverse().ToArray();
        var rotated = Pool.Skip(2).Concat(Pool.Take(2)).ToArray();
        foreach (var login in Logins.Take(500))
        {
            var order = RendezvousHash.Order(login, Pool, n => n);
            Assert.Equal(Pool.Order(), order.Order());
            Assert.Equal(order, RendezvousHash.Order(login, shuffled, n => n));
            Assert.Equal(order, RendezvousHash.Order(login, rotated, n => n));
        }
    }

    [Fact]
    public void TheWeightIsTheSameOnEveryCallAndProcess()
    {
        // SHA-256 based, not string.GetHashCode (randomised per process): a fixed known value pins that down.
        Assert.Equal(RendezvousHash.Weight("alice", "10.0.0.1:143"), RendezvousHash.Weight("alice", "10.0.0.1:143"));
        Assert.NotEqual(RendezvousHash.Weight("alice", "10.0.0.1:143"), RendezvousHash.Weight("alice", "10.0.0.2:143"));
        Assert.NotEqual(RendezvousHash.Weight("alice", "10.0.0.1:143"), RendezvousHash.Weight("bob", "10.0.0.1:143"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        Assert.NotEqual(RendezvousHash.Weight("ab", "c"), RendezvousHash.Weight("a", "bc"));
    }

    [Fact]
    public void LoginsAreSpreadEvenly()
    {
        var counts = Logins.GroupBy(l => First(l, Pool)).ToDictionary(g => g.Key, g => g.Count());
        var fair = Logins.Length / Pool.Length;
        Assert.Equal(Pool.Length, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, fair * 85 / 100, fair * 115 / 100));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void WhenAnUpstreamLeavesOnlyItsLoginsMoveEachToItsOwnSecondChoiceSpreadOverTheRest(int removed)
    {
        var gone = Pool[removed];
        var rest = Pool.Where(n => n != gone).ToArray();
        var moved = new List<string>();
        foreach (var login in Logins)
        {
            var before = RendezvousHash.Order(login, Pool, n => n);
            var after = First(login, rest);
            if (before[0] == gone)
            {
                Assert.Equal(before[1], after);
                moved.Add(after);
            }
            else
            {
                Assert.Equal(before[0], after);
            }
        }

        // About 1/N of the logins moved, and not all onto one upstream (no thundering herd on a neighbour).
        Assert.InRange(moved.Count, Logins.Length / Pool.Length * 85 / 100, Logins.Length / Pool.Length * 115 / 100);
        var fairShare = moved.Count / rest.Length;
        Assert.All(rest, n => Assert.InRange(moved.Count(m => m == n), fairShare * 70 / 100, fairShare * 130 / 100));
    }

    [Fact]
    public void WhenAnUpstreamReturnsExactlyItsLoginsComeBack()
    {
        var rest = Pool.Skip(1).ToArray();
        foreach (var login in Logins)
        {
            var whileAway = First(login, rest);
            var back = First(login, Pool);
            Assert.True(back == whileAway || back == Pool[0], $"{login} moved from {whileAway} to {back}");
        }
    }

    [Fact]
    public void AddingAnUpstreamTakesAFairShareFromEveryOther()
    {
        var grown = Pool.Append("10.0.0.6:143").ToArray();
        var taken = Logins.Where(l => First(l, grown) != First(l, Pool)).ToList();
        Assert.All(taken, l => Assert.Equal("10.0.0.6:143", First(l, grown)));
        Assert.InRange(taken.Count, Logins.Length / grown.Length * 85 / 100, Logins.Length / grown.Length * 115 / 100);
    }
}
