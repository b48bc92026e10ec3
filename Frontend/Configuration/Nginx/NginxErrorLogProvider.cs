using System.Globalization;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// The top-level <c>error_log FILE level</c>: every log entry at or above the level appended to FILE, one line each,
/// in nginx's error-log layout (<c>2026/11/26 20:15:00 [warn] PID#0: message</c>).
/// </summary>
public sealed class NginxErrorLogProvider : ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly LogLevel _minimum;
    private readonly Lock _lock = new();

    public NginxErrorLogProvider(NginxErrorLog log)
    {
        _minimum = log.Level;
        Directory.CreateDirectory(Path.GetDirectoryName(log.Path) ?? ".");
        _writer = new StreamWriter(new FileStream(log.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this);

    public void Dispose()
    {
        lock (_lock) _writer.Dispose();
    }

    private void Write(LogLevel level, string message, Exception? exception)
    {
        var name = level switch
        {
            LogLevel.Trace or LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            _ => "crit",
        };
        var line = $"{DateTime.Now.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture)} [{name}] {Environment.ProcessId}#0: {message}";
        if (exception is not null) line += " " + exception.GetType().Name + ": " + exception.Message;
        lock (_lock) _writer.WriteLine(line.ReplaceLineEndings(" "));
    }

    private sealed class FileLogger(NginxErrorLogProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) provider.Write(logLevel, formatter(state, exception), exception);
        }
    }
}
