using System.Runtime.InteropServices;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// <c>-s stop|quit|reload</c>: finds the running process through the configuration's pid file and signals it, as
/// nginx's ngx_signal_process() does. stop → SIGTERM, quit → SIGQUIT (both stop the host gracefully: listeners
/// close, then the host waits for the sessions up to its shutdown timeout), reload → SIGHUP.
/// </summary>
public static class NginxProcessSignals
{
    public const int SigHup = 1;
    public const int SigQuit = 3;
    public const int SigTerm = 15;

    /// <summary>Sends the signal; returns the process exit code and writes nginx-style errors to <paramref name="error"/>.</summary>
    public static int Send(NginxConfiguration configuration, string signal, TextWriter error)
    {
        var pidFile = configuration.Mapped.PidFile;
        if (pidFile is null)
        {
            error.WriteLine($"orleansmail: [error] -s {signal} needs a \"pid\" directive in {configuration.File}");
            return 1;
        }
        string text;
        try { text = File.ReadAllText(pidFile).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"orleansmail: [error] open() \"{pidFile}\" failed ({e.Message})");
            return 1;
        }
        if (!int.TryParse(text, out var pid) || pid <= 0)
        {
            error.WriteLine($"orleansmail: [error] invalid PID number \"{text}\" in \"{pidFile}\"");
            return 1;
        }
        var number = signal switch { "stop" => SigTerm, "quit" => SigQuit, _ => SigHup };
        if (Kill(pid, number) != 0)
        {
            error.WriteLine($"orleansmail: [alert] kill({pid}, {number}) failed (errno {Marshal.GetLastPInvokeError()})");
            return 1;
        }
        return 0;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
