namespace OrleansMail.Tests.Support;

/// <summary>
/// nginx itself (Debian's nginx-full with its mail module, installed by .ci/install-test-deps.sh), run from a test's
/// configuration file as the oracle for what OrleansMail should do with the same file. It runs in the foreground as
/// one process (<c>daemon off; master_process off</c>) with its pid and error log in the test's folder; the mail
/// module is loaded by <c>-g</c>, so the file itself is the one OrleansMail reads (it needs an <c>events { }</c>
/// block, which OrleansMail accepts and ignores).
/// </summary>
public static class NginxServer
{
    public const string Binary = "/usr/sbin/nginx";
    public const string MailModule = "/usr/lib/nginx/modules/ngx_mail_module.so";

    /// <summary>Starts <c>nginx -p DIRECTORY -c FILE</c>; dispose stops it.</summary>
    public static ServerProcess Start(string directory, string file, params string[] extra) =>
        ServerProcess.Start("nginx", Binary, ["-p", directory, "-c", file, "-e", Path.Combine(directory, "nginx-error.log"), "-g", Globals(directory), .. extra], directory);

    /// <summary>Runs nginx on a file it should refuse; returns its exit status and its stderr.</summary>
    public static async Task<(int Exit, string Output)> RunToExitAsync(string directory, string file, TimeSpan timeout, params string[] extra)
    {
        await using var nginx = Start(directory, file, extra);
        using var deadline = new CancellationTokenSource(timeout);
        await nginx.WaitForExitAsync(deadline.Token);
        return (nginx.ExitCode!.Value, nginx.Output);
    }

    private static string Globals(string directory) =>
        $"load_module {MailModule}; daemon off; master_process off; pid {Path.Combine(directory, "nginx.pid")};";
}
