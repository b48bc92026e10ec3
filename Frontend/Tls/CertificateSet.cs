using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The certificate pairs of one name (the listener's default, or one SNI name), loaded once and reloaded from disk
/// without a restart: a handshake looks at the files' modification times at most once a second, and a change loads
/// the pairs anew. A broken new file keeps the old certificates in use and logs one error per change.
/// </summary>
internal sealed partial class CertificateSet
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<CertificateFiles> _files;
    private readonly Func<CertificateFiles, SslCertificate> _load;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _reloadLock = new();
    private SslCertificate[] _current;
    private DateTime[] _stamps;
    private long _nextCheck;

    /// <summary>Loads the pairs now; a failure throws, so a bad file stops start-up as nginx's would.</summary>
    public CertificateSet(IReadOnlyList<CertificateFiles> files, Func<CertificateFiles, SslCertificate> load, ILogger logger, TimeProvider time)
    {
        _files = files;
        _load = load;
        _logger = logger;
        _time = time;
        foreach (var pair in files) WarnIfReadableByOthers(pair.Key);
        _stamps = Stamps();
        _current = files.Select(load).ToArray();
        _nextCheck = time.GetTimestamp() + (long)(CheckInterval.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>The pairs in use, after picking up changed files.</summary>
    public IReadOnlyList<SslCertificate> Current
    {
        get
        {
            var now = _time.GetTimestamp();
            if (now >= Volatile.Read(ref _nextCheck)) ReloadIfChanged(now);
            return Volatile.Read(ref _current);
        }
    }

    private void ReloadIfChanged(long now)
    {
        lock (_reloadLock)
        {
            if (now < _nextCheck) return;
            _nextCheck = now + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency);
            var stamps = Stamps();
            if (stamps.SequenceEqual(_stamps)) return;
            _stamps = stamps;
            try
            {
                Volatile.Write(ref _current, _files.Select(_load).ToArray());
                LogReloaded(string.Join(", ", _files.Select(f => f.Certificate)));
            }
            catch (Exception e) when (e is InvalidDataException or System.Security.Cryptography.CryptographicException or IOException)
            {
                LogReloadFailed(e.Message);
            }
        }
    }

    private DateTime[] Stamps() =>
        _files.SelectMany(f => new[] { f.Certificate, f.Key }).Select(File.GetLastWriteTimeUtc).ToArray();

    private void WarnIfReadableByOthers(string keyFile)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(keyFile)) return;
        var mode = File.GetUnixFileMode(keyFile);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            LogLooseKeyPermissions(keyFile, Convert.ToString((int)mode, 8));
    }

    [LoggerMessage(EventId = 2050, Level = LogLevel.Information, Message = "certificates reloaded: {Files}")]
    private partial void LogReloaded(string files);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Error, Message = "certificate reload failed, the previous certificates stay in use: {Reason}")]
    private partial void LogReloadFailed(string reason);

    [LoggerMessage(EventId = 2052, Level = LogLevel.Warning, Message = "private key file \"{File}\" is readable or writable by others (mode {Mode}); use 0600 or 0640")]
    private partial void LogLooseKeyPermissions(string file, string mode);
}
