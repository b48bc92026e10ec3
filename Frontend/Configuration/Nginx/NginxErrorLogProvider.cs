using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Logging;
using OrleansMail.Grains.Logging;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// nginx's error_log directives: every destination (file, stderr, syslog) gets each line at or above its own level,
/// written at once, in nginx's layout (ngx_log_error_core in src/core/ngx_log.c and ngx_mail_log_error in
/// src/mail/ngx_mail_handler.c): <c>2026/11/26 20:15:00 [info] PID#0: *3 client login failed: "…" while in http auth
/// state, client: 192.0.2.1, server: 127.0.0.1:143, login: "alice"</c>. A mail session's lines (those logged inside its
/// <see cref="MailLogContext"/> scope) carry <c>*N</c> and the context suffix and go to its server{}'s own list when
/// it has one; everything else goes to the top-level list.
/// </summary>
public sealed class NginxErrorLogProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly (ErrorLogWriter Writer, LogLevel Level)[] _main;
    private readonly Dictionary<IPEndPoint, (ErrorLogWriter Writer, LogLevel Level)[]> _servers = [];
    private readonly Dictionary<string, ErrorLogWriter> _writers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <param name="main">The top-level error_log list (may be empty: those lines then go to the other providers only).</param>
    /// <param name="servers">Each listener's own list (its server{}'s, or the one inherited from mail{}).</param>
    /// <param name="time">The clock of each line's timestamp.</param>
    public NginxErrorLogProvider(IReadOnlyList<NginxErrorLog> main, IReadOnlyDictionary<IPEndPoint, List<NginxErrorLog>> servers, TimeProvider time)
    {
        _time = time;
        _main = Open(main);
        foreach (var (listen, logs) in servers) _servers[listen] = Open(logs);
        Minimum = main.Concat(servers.Values.SelectMany(l => l)).Select(l => l.Level).DefaultIfEmpty(LogLevel.None).Min();
    }

    /// <summary>The lowest level any destination takes.</summary>
    public LogLevel Minimum { get; }

    private (ErrorLogWriter, LogLevel)[] Open(IEnumerable<NginxErrorLog> logs) =>
        logs.Select(log => (Writer(log), log.Level)).ToArray();

    /// <summary>One writer per destination, however many directives name it (a file is opened once).</summary>
    private ErrorLogWriter Writer(NginxErrorLog log)
    {
        if (_writers.TryGetValue(log.Path, out var writer)) return writer;
        writer = log.Syslog is { } syslog ? new SyslogErrorLogWriter(syslog, _time)
            : log.Path == "stderr" ? TextErrorLogWriter.Stderr()
            : TextErrorLogWriter.File(log.Path);
        _writers[log.Path] = writer;
        return writer;
    }

    public ILogger CreateLogger(string categoryName) => new ErrorLogLogger(this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
        foreach (var writer in _writers.Values) writer.Dispose();
    }

    /// <summary>nginx's level names (err_levels in src/core/ngx_log.c).</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        _ => "crit",
    };

    private MailLogContext? SessionContext()
    {
        MailLogContext? found = null;
        _scopes.ForEachScope((scope, _) => { if (scope is MailLogContext context) found = context; }, (object?)null);
        return found;
    }

    private (ErrorLogWriter Writer, LogLevel Level)[] Destinations(MailLogContext? context) =>
        context is not null && _servers.TryGetValue(context.Server, out var own) ? own : _main;

    private void Write(LogLevel level, EventId eventId, string message, Exception? exception)
    {
        var context = SessionContext();
        var destinations = Destinations(context);
        if (!destinations.Any(d => level >= d.Level)) return;

        // The "connected" line names the connection itself and has no suffix (ngx_mail_init_connection logs it before
        // setting the log handler), though it goes to the server's own error_log like the rest of the session.
        var session = eventId.Id == MailLogContext.ConnectedEventId ? null : context;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{_time.GetLocalNow():yyyy/MM/dd HH:mm:ss} [{LevelName(level)}] {Environment.ProcessId}#0: {(session is null ? "" : $"*{session.ConnectionNumber} ")}{message}");
        if (exception is not null) line += $" ({exception.GetType().Name}: {exception.Message})";
        line = LogValue.EscapeControls(line) + session?.Suffix();
        foreach (var (writer, minimum) in destinations)
        {
            if (level >= minimum) writer.Write(level, line);
        }
    }

    private sealed class ErrorLogLogger(NginxErrorLogProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) provider.Write(logLevel, eventId, formatter(state, exception), exception);
        }
    }
}
