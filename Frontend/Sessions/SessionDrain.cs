namespace OrleansMail.Frontend.Sessions;

/// <summary>
/// The end of a graceful stop's drain (<see cref="Hosting.ShutdownSchedule"/>): when <c>worker_shutdown_timeout</c> has
/// passed, <see cref="Close"/> asks every session still open to send its protocol's closing line and end. Kestrel's own
/// abort comes a moment later and would cut them off without a word.
/// </summary>
internal sealed class SessionDrain : IDisposable
{
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Cancelled when the sessions still open must close.</summary>
    public CancellationToken Closing => _closing.Token;

    public void Close()
    {
        try { _closing.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _closing.Dispose();
}
