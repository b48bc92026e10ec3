using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// One listening address (an nginx <c>listen</c>) served by its own Kestrel server, so that a reload can open and close
/// listeners one by one while the others run: Kestrel cannot add or remove endpoints of a started server, and a
/// server stopped for a moment would drop connections. The socket is made by <see cref="ListenSockets"/> with the
/// listen parameters (backlog, rcvbuf, sndbuf, ipv6only, multipath).
/// <para>
/// Each accepted connection takes the <see cref="ListenerState"/> current at that moment (<see cref="Update"/> swaps
/// it) and keeps it: changed settings apply to new connections, established sessions continue with theirs.
/// <see cref="StopAsync"/> closes the listening socket at once and lets the established connections run until they
/// end by themselves, or until its token is cancelled (process shutdown after <c>worker_shutdown_timeout</c>).
/// </para>
/// </summary>
internal sealed class MailListener : IAsyncDisposable
{
    private readonly IServer _server;
    private readonly ConnectionAdmission _admission;
    private volatile ListenerState _state;
    private System.Net.Sockets.Socket? _bound;

    public MailListener(ListenerState state, IServiceProvider services)
    {
        _state = state;
        Listen = state.Settings.ListenParameters;
        _admission = services.GetRequiredService<ConnectionAdmission>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        kestrel.Listen(state.Settings.Listen, listen =>
        {
            listen.Protocols = HttpProtocols.None;
            listen.Use(next => connection => AcceptAsync(connection, next));
            listen.UseConnectionHandler<MailConnectionHandler>();
        });
        // The application's socket options (its memory pool), with this listener's own socket.
        var sockets = services.GetRequiredService<IOptionsFactory<SocketTransportOptions>>().Create(Options.DefaultName);
        // An idle connection holds no receive buffer: a zero-byte read waits for data before one is rented (the
        // default, kept on purpose; a flood of silent pre-login connections costs their objects only).
        sockets.WaitForDataBeforeAllocatingBuffer = true;
        var parameters = Listen;
        sockets.Backlog = parameters.Backlog;
        sockets.CreateBoundListenSocket = _ => Interlocked.Exchange(ref _bound, null) ?? ListenSockets.Bind(parameters);
        _server = MeteredKestrelServer.Create(services, kestrel, new SocketTransportFactory(Options.Create(sockets), loggers), loggers);
    }

    public IPEndPoint EndPoint => Listen.EndPoint;

    /// <summary>The socket-level listen parameters this listener was opened with; they cannot change while it is open.</summary>
    public ListenDirective Listen { get; }

    public ServerSettings Settings => _state.Settings;

    /// <summary>
    /// Binds the socket now, without accepting yet, as nginx binds while it reads its configuration: an address in use
    /// fails before anything has started. <see cref="StartAsync"/> then listens on this socket.
    /// </summary>
    public void Bind() => _bound ??= ListenSockets.Bind(Listen);

    /// <summary>Binds the socket (unless <see cref="Bind"/> did) and starts accepting.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => _server.StartAsync(new NoHttpApplication(), cancellationToken);

    /// <summary>New connections get <paramref name="state"/> from now on; established ones keep theirs.</summary>
    public void Update(ListenerState state) => _state = state;

    /// <summary>Stops accepting at once; returns when the established connections have ended or <paramref name="abort"/> cut them off.</summary>
    public Task StopAsync(CancellationToken abort) => _server.StopAsync(abort);

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _bound, null)?.Dispose();
        _server.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task AcceptAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var state = _state;
        connection.Features.Set(state.Feature);
        connection.Features.Set(state.Labels);
        if (state.Tls is not null) connection.Features.Set(state.Tls);
        ListenSockets.ApplyKeepAlive(connection, state.Settings.ListenParameters.KeepAlive);
        // Counted against worker_connections first; the PROXY header precedes everything, TLS included
        // (src/mail/ngx_mail_handler.c), and gives the client address the pre-login limit counts by.
        ConnectionDelegate admitted = c => _admission.PreloginAsync(c, state, next);
        return _admission.OpenAsync(connection, state, c => state.ProxyProtocol is { } proxyProtocol ? proxyProtocol.RunAsync(c, admitted) : admitted(c));
    }

    /// <summary>Kestrel's server wants an HTTP application; the mail connection handler ends every connection before it.</summary>
    private sealed class NoHttpApplication : IHttpApplication<object>
    {
        public object CreateContext(IFeatureCollection contextFeatures) => throw new InvalidOperationException("a mail listener serves no HTTP");

        public Task ProcessRequestAsync(object context) => throw new InvalidOperationException("a mail listener serves no HTTP");

        public void DisposeContext(object context, Exception? exception)
        {
        }
    }
}
