using System.Net.Sockets;
using OrleansMail.Tests.Support;
using StackExchange.Redis;

namespace OrleansMail.Tests.Infrastructure;

/// <summary>The private Redis really answers.</summary>
public sealed class RedisServerTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private RedisServer Redis => fixture.Server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answers_ping_on_a_raw_socket()
    {
        Assert.Equal("+PONG", await ServerProcess.ReadFirstLineAsync(Redis.Port, "PING\r\n", Ct));
        Assert.Equal($"127.0.0.1:{Redis.Port}", Redis.ConnectionString);
    }

    [Fact]
    public async Task Set_and_get_through_StackExchange_Redis()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var db = connection.GetDatabase();
        Assert.True(await db.StringSetAsync("greeting", "hello"));
        Assert.Equal("hello", (string?)await db.StringGetAsync("greeting"));
        Assert.False((await db.StringGetAsync("missing")).HasValue);
    }
}

/// <summary>Parallel instances and stopping.</summary>
public sealed class RedisServerLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Parallel_instances_are_independent_and_dispose_stops_them()
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RedisServer.StartAsync(Ct)));
        try
        {
            Assert.Equal(3, servers.Select(s => s.Port).Distinct().Count());
            await using var first = await ConnectionMultiplexer.ConnectAsync(servers[0].ConnectionString);
            await using var second = await ConnectionMultiplexer.ConnectAsync(servers[1].ConnectionString);
            await first.GetDatabase().StringSetAsync("only-in-first", "1");
            Assert.False((await second.GetDatabase().StringGetAsync("only-in-first")).HasValue);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }

        foreach (var server in servers)
        {
            Assert.False(Directory.Exists(server.Directory));
            using var socket = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(async () => await socket.ConnectAsync("127.0.0.1", server.Port, Ct));
        }
    }
}
