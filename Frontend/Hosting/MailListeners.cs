using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Hosting;

/// <summary>What a reload did to the listeners (for its one log line).</summary>
/// <param name="SocketChanges">Open listeners whose socket parameters changed; those need a restart (<see cref="MailListeners.Apply"/>).</param>
internal sealed record ListenerChanges(int Count, int Added, int Removed, int Changed, IReadOnlyList<IPEndPoint> SocketChanges);

/// <summary>
/// The open mail listeners, one <see cref="MailListener"/> per address, keyed by address as nginx keys its listening
/// sockets. <see cref="StartAsync"/> opens the configured ones; <see cref="Apply"/> (a reload) opens the new
/// addresses, gives the remaining ones their new settings for new connections, and closes the removed ones while
/// their established sessions carry on. Stopping the host closes every listener and waits for the sessions, the
/// removed listeners' included, up to the host's shutdown timeout (<c>worker_shutdown_timeout</c>).
/// </summary>
internal sealed partial class MailListeners(ConfigurationSnapshot initial, IServiceProvider services, ILoggerFactory loggers, TimeProvider time)
    : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<MailListeners>();
    private readonly Dictionary<IPEndPoint, (MailListener Listener, string Fingerprint)> _open = [];
    private readonly List<Task> _draining = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _stopped;
    private int _disposed;

    public async Task StartAsync(CancellationToken cancellationToken) => await Apply(initial.Listeners, cancellationToken);

    /// <summary>
    /// Makes the open listeners those of <paramref name="next"/>. Everything that can fail is done before anything
    /// changes: every listener's certificates are loaded and every new address is bound first, so a failure throws
    /// with the running listeners untouched (the new sockets closed again).
    /// </summary>
    public async Task<ListenerChanges> Apply(IReadOnlyList<ConfiguredListener> next, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            return await ApplyAsync(next, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ListenerChanges> ApplyAsync(IReadOnlyList<ConfiguredListener> next, CancellationToken cancellationToken)
    {
        var states = next.Select(l => (l.Settings.Listen, State: ListenerState.Build(l.Settings, loggers, time), l.Fingerprint)).ToList();
        var opened = new List<(MailListener Listener, string Fingerprint)>();
        try
        {
            foreach (var (endPoint, state, fingerprint) in states.Where(s => !_open.ContainsKey(s.Listen)))
            {
                var listener = new MailListener(state, services);
                opened.Add((listener, fingerprint));
                await listener.StartAsync(cancellationToken);
            }
        }
        catch
        {
            foreach (var (listener, _) in opened)
            {
                await listener.StopAsync(new CancellationToken(canceled: true));
                await listener.DisposeAsync();
            }
            throw;
        }

        var changed = 0;
        var socketChanges = new List<IPEndPoint>();
        var kept = states.Where(s => _open.ContainsKey(s.Listen)).ToList();
        foreach (var (endPoint, state, fingerprint) in kept)
        {
            var (listener, previous) = _open[endPoint];
            listener.Update(state);
            _open[endPoint] = (listener, fingerprint);
            if (previous != fingerprint) changed++;
            if (SocketParameters(listener.Listen) != SocketParameters(state.Settings.ListenParameters)) socketChanges.Add(endPoint);
        }

        var removed = _open.Keys.Except(states.Select(s => s.Listen)).ToList();
        foreach (var endPoint in removed)
        {
            var listener = _open[endPoint].Listener;
            _open.Remove(endPoint);
            _draining.RemoveAll(task => task.IsCompletedSuccessfully);
            _draining.Add(DrainAsync(listener, removed: true));
        }

        foreach (var (listener, fingerprint) in opened)
        {
            _open[listener.EndPoint] = (listener, fingerprint);
            LogListening(listener.Settings.Protocol.ToString().ToLowerInvariant(), listener.EndPoint, listener.Settings.Name);
        }
        return new ListenerChanges(_open.Count, opened.Count, removed.Count, changed, socketChanges);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host's token fires when worker_shutdown_timeout has passed: the sessions still running are cut off then.
        await using var registration = cancellationToken.Register(_abort.Cancel);
        await _gate.WaitAsync(CancellationToken.None); // a reload under way finishes first
        try
        {
            _stopped = true;
            _draining.AddRange(_open.Values.Select(o => DrainAsync(o.Listener, removed: false)));
            _open.Clear();
        }
        finally
        {
            _gate.Release();
        }
        await Task.WhenAll(_draining);
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes this once as itself and once as the hosted service it also is.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _abort.CancelAsync();
        foreach (var (listener, _) in _open.Values) await listener.DisposeAsync();
        _open.Clear();
        _abort.Dispose();
        _gate.Dispose();
    }

    private async Task DrainAsync(MailListener listener, bool removed)
    {
        if (removed) LogClosing(listener.Settings.Protocol.ToString().ToLowerInvariant(), listener.EndPoint, listener.Settings.Name);
        await listener.StopAsync(_abort.Token);
        await listener.DisposeAsync();
    }

    /// <summary>The listen parameters that belong to the listening socket; ssl, proxy_protocol and so_keepalive act per connection.</summary>
    private static ListenDirective SocketParameters(ListenDirective listen) => listen with { Ssl = false, ProxyProtocol = false, KeepAlive = null };

    [LoggerMessage(Level = LogLevel.Information, Message = "listening for {Protocol} on {Listen} ({Name})")]
    private partial void LogListening(string protocol, IPEndPoint listen, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "no longer listening for {Protocol} on {Listen} ({Name}); its established sessions continue")]
    private partial void LogClosing(string protocol, IPEndPoint listen, string name);
}
