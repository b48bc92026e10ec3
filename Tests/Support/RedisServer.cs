using System.Diagnostics;
using System.Globalization;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A private redis-server on 127.0.0.1 at a free port, with no persistence, in a fresh temp
/// folder. <code>await using var redis = await RedisServer.StartAsync();</code>
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The Redis binary the Debian package installs.</summary>
    public const string RedisBinary = "/usr/bin/redis-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private const int MaxPortAttempts = 5;

    private ServerProcess _process;

    private RedisServer(ServerProcess process, string directory, int port, TimeSpan startupTime)
    {
        _process = process;
        Directory = directory;
        Port = port;
        StartupTime = startupTime;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => ServerProcess.LoopbackHost;

    /// <summary>The port Redis listens on.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port", a StackExchange.Redis configuration string.</summary>
    public string ConnectionString => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The server's temp folder; deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>How long the start took, until PING answered.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>What redis-server logged (it logs to stdout).</summary>
    public string Output => _process.Output;

    /// <summary>Starts a Redis; throws <see cref="ServerStartException"/> with its log when it does not come up.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        ServerStartException? last = null;
        for (var attempt = 1; attempt <= MaxPortAttempts; attempt++)
        {
            var stopwatch = Stopwatch.StartNew();
            var directory = ServerProcess.CreateTempDirectory("orleansmail-redis-");
            var port = ServerProcess.GetFreeTcpPorts(1)[0];
            ServerProcess? process = null;
            try
            {
                process = StartProcess(port, directory);
                var started = process;
                await process.WaitUntilReadyAsync(
                    async ct => await ServerProcess.ReadFirstLineAsync(port, "PING\r\n", ct).ConfigureAwait(false) == "+PONG",
                    StartTimeout, () => $"--- redis-server output ---\n{started.Output}", cancellationToken)
                    .ConfigureAwait(false);
                return new RedisServer(process, directory, port, stopwatch.Elapsed);
            }
            catch (Exception e)
            {
                var output = process?.Output ?? string.Empty;
                if (process is not null)
                {
                    await process.DisposeAsync().ConfigureAwait(false);
                }

                await ServerProcess.DeleteDirectoryAsync(directory).ConfigureAwait(false);
                if (e is ServerStartException start && output.Contains("Address already in use", StringComparison.Ordinal))
                {
                    last = start; // Someone took the port between our probe and Redis's bind.
                    continue;
                }

                throw;
            }
        }

        throw last!;
    }

    private static ServerProcess StartProcess(int port, string directory) =>
        ServerProcess.Start("redis-server", RedisBinary,
        [
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", directory,
            "--daemonize", "no",
            "--logfile", "",
            "--protected-mode", "no",
            "--maxclients", "1000",
        ], directory);

    /// <summary>
    /// An operator's restart: <c>SHUTDOWN SAVE</c> (the data goes to dump.rdb, as a Redis with persistence would keep
    /// it), <paramref name="downtime"/> with nothing listening, then a new redis-server on the same port and folder,
    /// which loads the dump.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime, CancellationToken cancellationToken = default)
    {
        try { await ServerProcess.ReadFirstLineAsync(Port, "SHUTDOWN SAVE\r\n", cancellationToken).ConfigureAwait(false); }
        catch (IOException) { } // Redis closes the connection without a reply when it shuts down.
        catch (System.Net.Sockets.SocketException) { }
        using (var exit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            exit.CancelAfter(StartTimeout);
            await _process.WaitForExitAsync(exit.Token).ConfigureAwait(false);
        }
        await _process.DisposeAsync().ConfigureAwait(false);
        await Task.Delay(downtime, cancellationToken).ConfigureAwait(false);
        var process = StartProcess(Port, Directory);
        _process = process;
        await process.WaitUntilReadyAsync(
            async ct => await ServerProcess.ReadFirstLineAsync(Port, "PING\r\n", ct).ConfigureAwait(false) == "+PONG",
            StartTimeout, () => $"--- redis-server output ---\n{process.Output}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops Redis and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        await ServerProcess.DeleteDirectoryAsync(Directory).ConfigureAwait(false);
    }
}
