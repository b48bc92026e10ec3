using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Tests.Support;

/// <summary>
/// Keeps every formatted log line, with its scopes, so tests can assert what is (and is never) logged,
/// e.g. that no password reaches the logs.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Every line so far: "Level Category[EventId]: message | scope values".</summary>
    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            owner._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object>> pairs)
                {
                    list.AddRange(pairs.Select(p => $"{p.Key}={p.Value}"));
                }
                else
                {
                    list.Add(scope?.ToString() ?? "");
                }
            }, scopes);
            owner._lines.Enqueue($"{logLevel} {category}[{eventId.Id}]: {formatter(state, exception)} {exception} | {string.Join(", ", scopes)}");
        }
    }
}
