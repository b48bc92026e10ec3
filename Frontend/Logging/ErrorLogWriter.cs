using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Logging;

/// <summary>One error_log destination's output: a file, stderr or a syslog server. Shared by every directive naming it.</summary>
public abstract class ErrorLogWriter : IDisposable
{
    /// <summary>Writes one complete line (without its line feed) at <paramref name="level"/>, at once.</summary>
    public abstract void Write(LogLevel level, string line);

    public virtual void Dispose()
    {
    }
}

/// <summary>A file (appended to, created with its directory) or stderr: one line each, flushed as written.</summary>
public sealed class TextErrorLogWriter : ErrorLogWriter
{
    private readonly TextWriter _writer;
    private readonly bool _owned;
    private readonly Lock _lock = new();

    private TextErrorLogWriter(TextWriter writer, bool owned)
    {
        _writer = writer;
        _owned = owned;
    }

    public static TextErrorLogWriter Stderr() => new(Console.Error, owned: false);

    public static TextErrorLogWriter File(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? ".");
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new TextErrorLogWriter(new StreamWriter(stream) { AutoFlush = true }, owned: true);
    }

    public override void Write(LogLevel level, string line)
    {
        lock (_lock)
        {
            _writer.Write(line + "\n");
            _writer.Flush();
        }
    }

    public override void Dispose()
    {
        if (!_owned) return;
        lock (_lock) _writer.Dispose();
    }
}
