using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// The process's SIGTERM, SIGQUIT and SIGINT, from the first line of the program on, as nginx handles them: a stop
/// signal at any moment ends the process in order with status 0. Before the host starts (configuration read,
/// certificates loaded, addresses bound) the program sees <see cref="Requested"/> and ends where it is; during the
/// host's start the signal is kept until the start has finished — nginx's master, too, acts on a signal only once its
/// cycle is initialised — so the silo or client is never torn down half-started; then the host stops as on any stop.
/// <para>
/// It is the host's <see cref="IHostLifetime"/> in place of the console lifetime, which would cancel a start under
/// way and leave Orleans' half-started lifecycle to throw.
/// </para>
/// </summary>
public sealed class StopSignals : IHostLifetime, IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private readonly CancellationTokenSource _stop = new();

    public StopSignals()
    {
        _registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGINT }.Select(signal => PosixSignalRegistration.Create(signal, OnSignal))];
    }

    /// <summary>A stop signal has arrived.</summary>
    public bool Requested => _stop.IsCancellationRequested;

    /// <summary>Calls <paramref name="stop"/> when a stop signal arrives, or at once if one already has.</summary>
    public CancellationTokenRegistration StopWith(Action stop) => _stop.Token.Register(stop);

    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // not the runtime's default (exit at once): the program stops in order
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }
}
