using System.Diagnostics;
using System.Globalization;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A private redis-server on 127.0.0.1 at a free port, with no persistence, in a fresh temp
/// folder. <code>await using var redis = await RedisServer.StartAsync();</code> With <see cref="RedisTls"/> it
/// listens only with TLS (plain port 0) and asks for a password, as a managed Redis does.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The Redis binary the Debian package installs.</summary>
    public const string RedisBinary = "/usr/bin/redis-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private const int MaxPortAttempts = 5;

    private ServerProcess _process;

    private readonly RedisTls? _tls;

    private RedisServer(ServerProcess process, string directory, int port, TimeSpan startupTime, RedisTls? tls)
    {
        _tls = tls;
        _process = process;
        Directory = directory;
        Port = port;
        StartupTime = startupTime;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => ServerProcess.LoopbackHost;

    /// <summary>The port Redis listens on.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port" (with TLS: ",ssl=true,password=…"), a StackExchange.Redis configuration string.</summary>
    public string ConnectionString => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}" + (_tls is null ? "" : $",ssl=true,password={_tls.Password}");

    /// <summary>The server's temp folder; deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>How long the start took, until PING answered.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>What redis-server logged (it logs to stdout).</summary>
    public string Output => _process.Output;

    /// <summary>Starts a Redis; throws <see cref="ServerStartException"/> with its log when it does not come up.</summary>
    public static Task<RedisServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(null, cancellationToken);

    /// <summary>Starts a Redis, with TLS and a password when <paramref name="tls"/> is given.</summary>
    public static async Task<RedisServer> StartAsync(RedisTls? tls, CancellationToken cancellationToken = default)
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
                process = StartProcess(port, directory, tls);
                var started = process;
                await process.WaitUntilReadyAsync(
                    async ct => await PingAsync(port, tls, ct).ConfigureAwait(false),
                    StartTimeout, () => $"--- redis-server output ---\n{started.Output}", cancellationToken)
                    .ConfigureAwait(false);
                return new RedisServer(process, directory, port, stopwatch.Elapsed, tls);
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

    /// <summary>PING answered PONG; over TLS (any certificate: this only waits for the server) after AUTH.</summary>
    private static async Task<bool> PingAsync(int port, RedisTls? tls, CancellationToken cancellationToken)
    {
        if (tls is null) return await ServerProcess.ReadFirstLineAsync(port, "PING\r\n", cancellationToken).ConfigureAwait(false) == "+PONG";
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
        await using var ssl = new System.Net.Security.SslStream(client.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "localhost" }, cancellationToken).ConfigureAwait(false);
        await ssl.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"AUTH {tls.Password}\r\nPING\r\n"), cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(ssl, System.Text.Encoding.ASCII);
        return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) == "+OK"
            && await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) == "+PONG";
    }

    private static ServerProcess StartProcess(int port, string directory, RedisTls? tls = null) =>
        ServerProcess.Start("redis-server", RedisBinary,
        [
            .. tls is null
                ? ["--port", port.ToString(CultureInfo.InvariantCulture)]
                : new[]
                {
                    "--port", "0", "--tls-port", port.ToString(CultureInfo.InvariantCulture),
                    "--tls-cert-file", tls.CertificatePath, "--tls-key-file", tls.KeyPath, "--tls-ca-cert-file", tls.CaPath,
                    // The server's certificate is what is tested; clients authenticate with the password.
                    "--tls-auth-clients", "no", "--requirepass", tls.Password,
                },
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
        var process = StartProcess(Port, Directory, _tls);
        _process = process;
        await process.WaitUntilReadyAsync(
            async ct => await PingAsync(Port, _tls, ct).ConfigureAwait(false),
            StartTimeout, () => $"--- redis-server output ---\n{process.Output}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops Redis and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        await ServerProcess.DeleteDirectoryAsync(Directory).ConfigureAwait(false);
    }
}

/// <summary>A TLS-only Redis: its certificate and key, the CA redis-server is given, and the <c>requirepass</c> password.</summary>
public sealed record RedisTls(string CertificatePath, string KeyPath, string CaPath, string Password);
