using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace OrleansMail.Tests.Support;

/// <summary>
/// One of the solution's own programs (Silo, Frontend) run as a separate process exactly as an operator runs it:
/// <c>dotnet &lt;Project&gt;.dll --config &lt;file&gt;</c>, with the settings written to a JSON file in a fresh temp
/// folder. The dll is the one the solution build produced for the test assembly's own configuration (Debug
/// locally, Release in CI). Captures stdout and stderr separately; dispose stops the process (SIGTERM, then
/// SIGKILL of the whole tree) and deletes the folder.
/// <code>
/// await using var silo = DotnetAppProcess.Start("Silo", new Dictionary&lt;string, string&gt; { ["Cluster:Mode"] = "Redis", ... });
/// await silo.WaitUntilAsync(ct => ..., TimeSpan.FromSeconds(30), "GET /health = 200");
/// </code>
/// </summary>
public sealed class DotnetAppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _all = new();
    private readonly Lock _outputLock = new();

    private DotnetAppProcess(Process process, string name, string dll, string directory, string configPath)
    {
        _process = process;
        Dll = dll;
        Name = name;
        Directory = directory;
        ConfigPath = configPath;
    }

    /// <summary>A short name used in messages, e.g. <c>Frontend A</c>.</summary>
    public string Name { get; }

    /// <summary>The program's dll.</summary>
    public string Dll { get; }

    /// <summary>The process's temp folder (its config file); deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The JSON configuration file passed with <c>--config</c>.</summary>
    public string ConfigPath { get; }

    /// <summary>Process id.</summary>
    public int Id => _process.Id;

    /// <summary>The process's resident memory now (VmRSS of /proc/PID/status), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"{Name}: no VmRSS in /proc/{Id}/status");
    }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code, or null while it runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>What the process wrote to stdout so far.</summary>
    public string StandardOutput => Read(_stdout);

    /// <summary>What the process wrote to stderr so far.</summary>
    public string StandardError => Read(_stderr);

    /// <summary>stdout and stderr interleaved as they arrived.</summary>
    public string Output => Read(_all);

    /// <summary>Everything known about the process, for assertion messages.</summary>
    public string Diagnostics() =>
        $"--- {Name}: {Dll} (pid {Id}, {(HasExited ? $"exited with {ExitCode}" : "running")}) config {ConfigPath} ---\n" +
        $"{ServerProcess.ReadShared(ConfigPath)}\n--- {Name} stdout+stderr ---\n{Output}";

    /// <summary>The build configuration the test assembly was compiled in (Debug locally, Release in CI).</summary>
    public static string BuildConfiguration { get; } =
        typeof(DotnetAppProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c
            ? c
            : throw new InvalidOperationException("the test assembly has no AssemblyConfigurationAttribute");

    /// <summary>
    /// The built <c>&lt;project&gt;.dll</c> of this solution for <see cref="BuildConfiguration"/>: found by walking up from
    /// the test folder to the one holding OrleansMail.sln. Throws naming the path and the build command when missing.
    /// </summary>
    public static string LocateDll(string project)
    {
        var root = SolutionDirectory();
        var dll = Path.Combine(root, project, "bin", BuildConfiguration, "net10.0", project + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException(
                $"{dll} does not exist. The cluster tests run the built {project} program as a separate process; " +
                $"build it first: dotnet build {Path.Combine(root, "OrleansMail.sln")} -c {BuildConfiguration}");
        }

        return dll;
    }

    /// <summary>The folder that holds OrleansMail.sln, above the test assembly's folder.</summary>
    public static string SolutionDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansMail.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no OrleansMail.sln in {AppContext.BaseDirectory} or any folder above it");
    }

    /// <summary>The <c>dotnet</c> host that runs the tests (the one next to the shared runtime this process uses).</summary>
    public static string DotnetHost()
    {
        // The runtime directory is <root>/shared/Microsoft.NETCore.App/<version>/; the host is <root>/dotnet.
        var runtime = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory());
        var fromRuntime = runtime.Parent?.Parent?.Parent is { } root ? Path.Combine(root.FullName, "dotnet") : null;
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"), fromRuntime })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate) && Path.GetFileNameWithoutExtension(candidate) == "dotnet")
            {
                return candidate;
            }
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, "dotnet");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"cannot find the dotnet host (runtime directory {runtime.FullName}, PATH, DOTNET_HOST_PATH)");
    }

    /// <summary>
    /// Starts <c>dotnet &lt;project&gt;.dll --config FILE</c> with <paramref name="settings"/> (flat configuration keys such as
    /// <c>Cluster:Mode</c>, written as nested JSON) plus any <paramref name="extraArguments"/>.
    /// </summary>
    public static DotnetAppProcess Start(string project, IReadOnlyDictionary<string, string> settings, string? name = null, params string[] extraArguments) =>
        StartWithEnvironment(project, settings, new Dictionary<string, string>(), name);

    /// <summary>As <see cref="Start"/>, with environment variables of its own (e.g. OpenTelemetry's <c>OTEL_*</c>).</summary>
    public static DotnetAppProcess StartWithEnvironment(string project, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> environment,
        string? name = null, params string[] extraArguments)
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-app-");
        var configPath = Path.Combine(directory, project.ToLowerInvariant() + ".json");
        File.WriteAllText(configPath, ToJson(settings));
        return Launch(project, name, directory, configPath, ["--config", configPath, .. extraArguments], environment);
    }

    /// <summary>
    /// Starts <c>dotnet &lt;project&gt;.dll ARGUMENTS</c> in <paramref name="directory"/> (which dispose deletes), e.g.
    /// nginx's <c>-c FILE -t</c>; <paramref name="configPath"/> is the file <see cref="Diagnostics"/> shows.
    /// </summary>
    public static DotnetAppProcess StartWithArguments(string project, string name, string directory, string configPath, params string[] arguments) =>
        Launch(project, name, directory, configPath, arguments);

    /// <summary>As <see cref="StartWithArguments(string, string, string, string, string[])"/>, with environment variables of its own (a pod's, say).</summary>
    public static DotnetAppProcess StartWithArguments(string project, string name, string directory, string configPath,
        IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Launch(project, name, directory, configPath, arguments, environment);

    private static DotnetAppProcess Launch(string project, string? name, string directory, string configPath, string[] arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = LocateDll(project);
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Environment variables win over --config: keep the runner's own settings for these sections out.
        foreach (var key in startInfo.Environment.Keys.ToList())
        {
            if (key.StartsWith("Cluster__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("Mail__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("Health__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase))
            {
                startInfo.Environment.Remove(key);
            }
        }

        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) startInfo.Environment[key] = value;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var app = new DotnetAppProcess(process, name ?? project, dll, directory, configPath);
        process.OutputDataReceived += (_, e) => app.Append(app._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(app._stderr, e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{app.Name}: could not start {startInfo.FileName} {dll}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Nested JSON for flat keys (<c>A:B:0:C</c>); numeric segments stay object keys, which configuration reads as indexes.</summary>
    private static string ToJson(IReadOnlyDictionary<string, string> settings)
    {
        var root = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            var parts = key.Split(':');
            var node = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (!node.TryGetValue(parts[i], out var child))
                {
                    child = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
                    node[parts[i]] = child;
                }

                node = child as Dictionary<string, object>
                       ?? throw new ArgumentException($"{key}: {string.Join(':', parts[..(i + 1)])} is both a value and a section", nameof(settings));
            }

            node[parts[^1]] = value;
        }

        return JsonSerializer.Serialize(root, new JsonSerializerOptions { WriteIndented = true });
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            target.AppendLine(line);
            _all.AppendLine(line);
        }
    }

    private string Read(StringBuilder source)
    {
        lock (_outputLock)
        {
            return source.ToString();
        }
    }

    /// <summary>
    /// Polls <paramref name="probe"/> (each attempt cut off after 2 s) until it returns true. Throws
    /// <see cref="ServerStartException"/> with <see cref="Diagnostics"/> when the process exits first or
    /// <paramref name="timeout"/> passes.
    /// </summary>
    public async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        Exception? lastError = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasExited)
            {
                // HasExited can be true before the last stdout/stderr lines are delivered (ServerProcess does the same).
                await DrainOutputAsync(cancellationToken).ConfigureAwait(false);
                throw new ServerStartException($"{Name} exited with code {ExitCode} before {what}.\n{Diagnostics()}");
            }

            var left = timeout - stopwatch.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new ServerStartException(
                    $"{Name}: no {what} within {timeout.TotalSeconds:0.#} s (last probe error: {lastError?.Message ?? "none"}).\n{Diagnostics()}");
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
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    lastError = e; // Not up yet.
                }
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits (at most 5 s) for the end of the exited process's redirected streams, so its last lines are in <see cref="Output"/>.</summary>
    private async Task DrainOutputAsync(CancellationToken cancellationToken)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(TimeSpan.FromSeconds(5));
        try { await _process.WaitForExitAsync(drain.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
    }

    /// <summary>Waits for the process to exit by itself; throws with <see cref="Diagnostics"/> when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} still runs after {timeout.TotalSeconds:0.#} s.\n{Diagnostics()}");
        }

        // WaitForExitAsync also waits for the output streams to close, so the output is complete here.
        return _process.ExitCode;
    }

    /// <summary>Kills the whole process tree at once (SIGKILL: no shutdown, like a crashed machine) and waits for it to go.</summary>
    public Task KillAsync() => ServerProcess.KillTreeAsync(_process);

    /// <summary>Sends SIGTERM, as a supervisor or <c>kill</c> does, and returns at once.</summary>
    public void Terminate() => _ = NativeMethods.TrySignal(_process.Id, NativeMethods.SigTerm);

    /// <summary>Asks the process to stop (SIGTERM) and waits up to <paramref name="grace"/>, then kills the whole tree.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!HasExited)
        {
            Terminate();
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

        await KillAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _process.Dispose();
        await ServerProcess.DeleteDirectoryAsync(Directory).ConfigureAwait(false);
    }

    private static class NativeMethods
    {
        public const int SigTerm = 15;

        public static bool TrySignal(int pid, int signal)
        {
            try
            {
                return Kill(pid, signal) == 0;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int Kill(int pid, int signal);
    }
}
