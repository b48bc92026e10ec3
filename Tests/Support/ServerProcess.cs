using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A real server process started by a test: captures its stdout/stderr, waits for it to be
/// ready, and stops it (SIGTERM, then SIGKILL of the whole process tree). Also holds the small
/// helpers the private servers share: free loopback ports, temp folders, greeting probes and
/// the current Unix user.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();

    private ServerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>A short name used in messages.</summary>
    public string Name { get; }

    /// <summary>Process id of the started program.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code, or null while it runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with the given arguments, capturing its output.</summary>
    public static ServerProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        if (!File.Exists(fileName))
        {
            throw new InvalidOperationException(
                $"{name}: {fileName} is not installed; run .ci/install-test-deps.sh (as root) first.");
        }

        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var server = new ServerProcess(process, name);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name}: could not start {fileName}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits for the process to exit (for short-lived commands such as <c>postfix check</c>).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>
    /// Polls <paramref name="probe"/> until it returns true. Throws when the process exits first
    /// or when <paramref name="timeout"/> passes, with <paramref name="diagnostics"/> in the message.
    /// </summary>
    public async Task WaitUntilReadyAsync(
        Func<CancellationToken, Task<bool>> probe,
        TimeSpan timeout,
        Func<string> diagnostics,
        CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasExited)
            {
                // HasExited can be true before the last stdout/stderr lines are delivered; WaitForExitAsync also waits
                // for the end of the redirected streams, so the diagnostics carry the program's last words.
                using (var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    drain.CancelAfter(TimeSpan.FromSeconds(5));
                    try { await _process.WaitForExitAsync(drain.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
                }

                throw new ServerStartException(
                    $"{Name} exited with code {ExitCode} before it was ready.\n{diagnostics()}");
            }

            var left = timeout - stopwatch.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new ServerStartException(
                    $"{Name} was not ready within {timeout.TotalSeconds:0.#} s.\n{diagnostics()}");
            }

            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attempt.CancelAfter(left < TimeSpan.FromSeconds(2) ? left : TimeSpan.FromSeconds(2));
                try
                {
                    if (await probe(attempt.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException
                                          && !cancellationToken.IsCancellationRequested)
                {
                    // Not listening yet.
                }
            }

            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks the process to stop (SIGTERM), waits up to <paramref name="grace"/>, then kills the
    /// whole process tree.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!HasExited)
        {
            _ = SendSignal(_process.Id, SigTerm);
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Fall through to the hard kill.
            }
        }

        await KillTreeAsync(_process).ConfigureAwait(false);
    }

    /// <summary>Kills a process and all its children at once (SIGKILL) and waits up to 10 s for it to go.</summary>
    public static async Task KillTreeAsync(Process process)
    {
        if (!process.HasExited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Nothing more we can do; the process is unkillable.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _process.Dispose();
    }

    // ---- shared helpers ------------------------------------------------------------------

    /// <summary>The loopback address every private server listens on.</summary>
    public const string LoopbackHost = "127.0.0.1";

    /// <summary>Every port <see cref="GetFreeTcpPorts"/> handed out in this test run.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> HandedOut = new();

    /// <summary>Whether <paramref name="e"/> or an exception inside it is a bind to a port already taken.</summary>
    public static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) return true;
        return false;
    }

    /// <summary>
    /// Distinct TCP ports on 127.0.0.1 that were free a moment ago (bound to port 0, then
    /// released). Another process may still take one before the server binds it: callers retry.
    /// </summary>
    public static int[] GetFreeTcpPorts(int count)
    {
        var listeners = new List<TcpListener>(count);
        var ports = new List<int>(count);
        try
        {
            // A port is handed out once per test run: the kernel may offer a port again as soon as the probe closes,
            // before the test it was given to has bound it, and two tests (or two processes of one test) would then
            // race for it. A port handed out before stays bound here until the loop ends, so the kernel offers another.
            while (ports.Count < count)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.TryAdd(port, 0)) ports.Add(port);
            }

            return [.. ports];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/>, optionally sends <paramref name="send"/>,
    /// and returns the first line the server sends (without CRLF), or null when the connection
    /// closes first.
    /// </summary>
    public static async Task<string?> ReadFirstLineAsync(int port, string? send, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        if (send is not null)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(send), cancellationToken).ConfigureAwait(false);
        }

        var buffer = new byte[1024];
        var line = new StringBuilder();
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            line.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var text = line.ToString();
            var end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return text[..end];
            }
        }
    }

    /// <summary>A new, empty folder under the system temp folder, readable by other users (mode 0755).</summary>
    public static string CreateTempDirectory(string prefix)
    {
        var directory = Directory.CreateTempSubdirectory(prefix).FullName;
        SetUnixFileMode(directory,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
            UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return directory;
    }

    /// <summary>Sets a file's or folder's Unix mode (nothing on Windows, where these servers don't run).</summary>
    public static void SetUnixFileMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Deletes a folder tree, retrying briefly; never throws.</summary>
    public static async Task DeleteDirectoryAsync(string directory)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads a file another process may be writing; empty when it does not exist.</summary>
    public static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return string.Empty;
        }
    }

    /// <summary>Effective uid and gid of this process (from /proc/self/status).</summary>
    public static (int Uid, int Gid) CurrentUnixIds()
    {
        int? uid = null, gid = null;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                uid = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Gid:", StringComparison.Ordinal))
            {
                gid = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return (uid ?? throw new InvalidOperationException("no Uid in /proc/self/status"),
                gid ?? throw new InvalidOperationException("no Gid in /proc/self/status"));
    }

    /// <summary>Looks a user up in /etc/passwd: (name, uid, gid) or null.</summary>
    public static (string Name, int Uid, int Gid)? FindUser(Func<string, int, bool> match)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4
                && int.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var uid)
                && int.TryParse(fields[3], System.Globalization.CultureInfo.InvariantCulture, out var gid)
                && match(fields[0], uid))
            {
                return (fields[0], uid, gid);
            }
        }

        return null;
    }

    /// <summary>The name of group <paramref name="gid"/> in /etc/group, or null.</summary>
    public static string? FindGroupName(int gid)
    {
        foreach (var line in File.ReadLines("/etc/group"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 3
                && int.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var id)
                && id == gid)
            {
                return fields[0];
            }
        }

        return null;
    }

    private const int SigTerm = 15;

    private static bool SendSignal(int pid, int signal)
    {
        try
        {
            return NativeMethods.Kill(pid, signal) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}

/// <summary>A private server failed to start; the message carries its log.</summary>
public sealed class ServerStartException(string message) : Exception(message);
