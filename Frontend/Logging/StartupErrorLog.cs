using System.Globalization;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Grains.Logging;

namespace OrleansMail.Frontend.Logging;

/// <summary>
/// nginx's <c>-e FILE</c>: the log that start-up errors go to before (or instead of) the configuration's error_log,
/// in the error-log layout, besides the <c>orleansmail: [emerg] …</c> line on stderr (as ngx_log_error_core in
/// src/core/ngx_log.c writes both while nginx starts).
/// </summary>
public static class StartupErrorLog
{
    /// <summary>Appends <c>YYYY/MM/DD HH:MM:SS [level] PID#0: message</c> to <c>-e FILE</c>, if one was given.</summary>
    public static void Append(NginxCommandLine command, string level, string message)
    {
        if (command.ErrorLog is null or "stderr") return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(command.ErrorLog) ?? ".");
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:yyyy/MM/dd HH:mm:ss} [{level}] {Environment.ProcessId}#0: {LogValue.EscapeControls(message)}\n");
            File.AppendAllText(command.ErrorLog, line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"orleansmail: [alert] could not open error log file: open() \"{command.ErrorLog}\" failed ({e.Message})");
        }
    }
}
