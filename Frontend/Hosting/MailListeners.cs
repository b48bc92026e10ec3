using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Hosting;

/// <summary>What a reload did to the listeners (for its one log line).</summary>
/// <param name="Count">Listeners open after the reload.</param>
/// <param name="Added">Listeners opened.</param>
/// <param name="Removed">Listeners closed.</param>
/// <param name="Changed">Listeners whose settings changed, applied to new connections.</param>
/// <param name="SocketChanges">Open listeners whose socket parameters changed; those need a restart (<see cref="MailListeners.Apply"/>).</param>
internal sealed record ListenerChanges(int Count, int Added, int Removed, int Changed, IReadOnlyList<IPEndPoint> SocketChanges);

/// <summary>
/// The open mail listeners, one <see cref="MailListener"/> per address, keyed by address as nginx keys its listening
/// sockets. <see cref="StartAsync"/> opens the configured ones; <see cref="Apply"/> (a reload) opens the new
/// addresses, gives the remaining ones their new settings for new connections, and closes the removed ones while
/// their established sessions carry on. Stopping the host follows <see cref="ShutdownSchedule"/>: the listeners accept
/// for <c>shutdown_delay</c> more, then close; the sessions, the removed listeners' included, may run for
/// <c>worker_shutdown_timeout</c>, then get their protocol's closing line (<see cref="Sessions.SessionDrain"/>) and are aborted.
/// </summary>
internal sealed partial class MailListeners(
    ConfigurationSnapshot initial, IServiceProvider services, ILoggerFactory loggers, TimeProvider time, Telemetry.FrontendMetrics metrics,
    ShutdownSchedule shutdown, Sessions.SessionDrain drain)
    : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<MailListeners>();
    private readonly Dictionary<IPEndPoint, (MailListener Listener, string Fingerprint)> _open = [];
    private readonly List<Task> _draining = [];
    // Cancelled (with the fake clock in tests) CloseGrace after the closing lines: Kestrel then aborts what is left.
    private readonly CancellationTokenSource _abort = new(System.Threading.Timeout.InfiniteTimeSpan, time);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _stopped;
    private int _disposed;

    private Opening? _prepared;

    /// <summary>
    /// The configured listeners' certificates loaded and their addresses bound, not yet accepting: done before the
    /// cluster starts (nginx binds while reading its configuration), so a bad certificate or an address in use stops
    /// start-up at once, as a <see cref="ListenerStartException"/> naming the setting. <see cref="StartAsync"/> then
    /// starts accepting on these sockets; without this call it does both.
    /// </summary>
    public void Prepare()
    {
        if (_prepared is null) _prepared = Open(initial.Listeners, bind: true);
    }

    /// <summary>nginx -t: every listener's certificates loaded (then let go), no address bound.</summary>
    public void Check()
    {
        var contexts = new Tls.SharedTlsContexts();
        foreach (var listener in initial.Listeners) BuildState(listener, contexts);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            var prepared = _prepared ?? Open(initial.Listeners, bind: true);
            _prepared = null;
            await ApplyAsync(prepared, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

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
            return await ApplyAsync(Open(next, bind: true), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The states of the listeners <see cref="Open"/> was given, and a bound listener for each address not open yet.</summary>
    private sealed record Opening(
        List<(IPEndPoint Listen, ListenerState State, string Fingerprint)> States,
        List<(MailListener Listener, string Fingerprint)> Opened);

    private Opening Open(IReadOnlyList<ConfiguredListener> next, bool bind)
    {
        var contexts = new Tls.SharedTlsContexts();
        var states = next.Select(l => (l.Settings.Listen, State: BuildState(l, contexts), l.Fingerprint)).ToList();
        var opened = new List<(MailListener Listener, string Fingerprint)>();
        try
        {
            foreach (var (configured, (endPoint, state, fingerprint)) in next.Zip(states).Where(s => !_open.ContainsKey(s.Second.Listen)))
            {
                var listener = new MailListener(state, services);
                opened.Add((listener, fingerprint));
                if (bind) BindListener(listener, configured.Section);
            }
        }
        catch
        {
            foreach (var (listener, _) in opened) listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        return new Opening(states, opened);
    }

    /// <summary>
    /// Loads the listener's certificates; a file that cannot be used names its directive, and so does a TLS directive
    /// that disagrees with another listener's on the OpenSSL context they share.
    /// </summary>
    private ListenerState BuildState(ConfiguredListener listener, Tls.SharedTlsContexts contexts)
    {
        try { return ListenerState.Build(listener.Settings, contexts, loggers, time, metrics); }
        catch (Tls.TlsFileException e)
        {
            throw new ListenerStartException(listener.Section, Configuration.Nginx.NginxDirective.PascalCase(e.Directive), e.Path, e.Message, e);
        }
        catch (Tls.TlsContextConflictException e)
        {
            throw new ListenerStartException(listener.Section, Configuration.Nginx.NginxDirective.PascalCase(e.Directive), null, e.Message, e);
        }
    }

    /// <summary>Binds the address; a failure reads as nginx's <c>bind() to ADDRESS failed (ERRNO: TEXT)</c>.</summary>
    private static void BindListener(MailListener listener, string section)
    {
        try { listener.Bind(); }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new ListenerStartException(section, "Listen", null, $"bind() to {listener.EndPoint} failed ({SocketErrors.Describe(e)})", e);
        }
    }

    private async Task<ListenerChanges> ApplyAsync(Opening opening, CancellationToken cancellationToken)
    {
        var (states, opened) = opening;
        try
        {
            foreach (var (listener, _) in opened) await listener.StartAsync(cancellationToken);
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
        // The host's own limit (ShutdownSchedule.HostTimeout) is a backstop: it closes the sessions at once.
        await using var registration = cancellationToken.Register(CloseSessions);
        if (shutdown.Delay > TimeSpan.Zero)
        {
            // shutdown_delay: /health/ready already answers 503; new clients are still accepted and greeted until the
            // load balancers have moved them elsewhere.
            LogStillAccepting(shutdown.Delay.TotalSeconds);
            try { await Task.Delay(shutdown.Delay, time, _abort.Token); }
            catch (OperationCanceledException) { }
        }
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
        // worker_shutdown_timeout, counted from here as nginx counts it: then the sessions still open are closed.
        using var deadline = time.CreateTimer(static state => ((MailListeners)state!).CloseSessions(), this, shutdown.Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        await Task.WhenAll(_draining);
    }

    /// <summary>The sessions still open send their closing line and end; Kestrel aborts any left CloseGrace later.</summary>
    private void CloseSessions()
    {
        drain.Close();
        try { _abort.CancelAfter(ShutdownSchedule.CloseGrace); }
        catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes this once as itself and once as the hosted service it also is.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _abort.CancelAsync();
        foreach (var (listener, _) in _open.Values) await listener.DisposeAsync();
        foreach (var (listener, _) in _prepared?.Opened ?? []) await listener.DisposeAsync();
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

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "listening for {Protocol} on {Listen} ({Name})")]
    private partial void LogListening(string protocol, IPEndPoint listen, string name);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "stopping: still accepting new connections for {Seconds} s (shutdown_delay) while /health/ready answers 503")]
    private partial void LogStillAccepting(double seconds);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "no longer listening for {Protocol} on {Listen} ({Name}); its established sessions continue")]
    private partial void LogClosing(string protocol, IPEndPoint listen, string name);
}
