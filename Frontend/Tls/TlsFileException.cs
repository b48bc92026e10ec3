namespace OrleansMail.Frontend.Tls;

/// <summary>
/// A file a TLS directive names cannot be used (missing, unreadable, not PEM, a key that does not fit its certificate).
/// The message is nginx's for the same failure where there is one (<c>cannot load certificate "FILE": …</c>,
/// <c>cannot load certificate key "FILE": …</c>; src/event/ngx_event_openssl.c), and carries the directive and the file,
/// so that start-up can name the directive's file:line. Never holds key bytes.
/// </summary>
public sealed class TlsFileException(string directive, string path, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The directive whose file this is: <c>ssl_certificate</c>, <c>ssl_certificate_key</c>, <c>ssl_password_file</c> …</summary>
    public string Directive { get; } = directive;

    /// <summary>The file as configured (absolute for an nginx file).</summary>
    public string Path { get; } = path;

    /// <summary>Why a file could not be read, as nginx prints an errno: <c>open() failed (2: No such file or directory)</c>.</summary>
    public static string Reason(Exception e, string path) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "open() failed (2: No such file or directory)",
        UnauthorizedAccessException when Directory.Exists(path) => "read() failed (21: Is a directory)",
        UnauthorizedAccessException => "open() failed (13: Permission denied)",
        IOException => $"read() failed ({e.Message})",
        _ => e.Message,
    };

    /// <summary>Reads a file for <paramref name="directive"/>, turning an I/O failure into nginx's <c>open() "FILE" failed (…)</c>.</summary>
    public static T Read<T>(string directive, string path, Func<string, T> read)
    {
        try { return read(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException(directive, path, $"cannot read \"{path}\": {Reason(e, path)}", e);
        }
    }
}
