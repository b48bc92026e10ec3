using System.Net;
using OrleansMail.Grains.Login;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// The process's connection counts against <see cref="ConnectionLimitSettings"/>: every open client connection
/// (<see cref="TryOpen"/>), and per client address prefix the connections that have not logged in yet
/// (<see cref="TryEnterPrelogin"/>). One instance per process, shared by every listener. Not Kestrel's
/// <c>MaxConcurrentConnections</c>: that one counts per server (here one per listener) and closes an excess connection
/// without a word, where nginx's limit is per process and a mail client should read a temporary failure.
/// </summary>
internal sealed class ConnectionLimits(ConnectionLimitSettings settings)
{
    private readonly Dictionary<IPNetwork, int> _prelogin = [];
    private int _open;

    public ConnectionLimitSettings Settings => settings;

    /// <summary>Client connections open now, across every listener.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Counts a new connection; false (and nothing counted) when <c>WorkerConnections</c> are all in use.</summary>
    public bool TryOpen()
    {
        if (Interlocked.Increment(ref _open) <= settings.WorkerConnections) return true;
        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Close() => Interlocked.Decrement(ref _open);

    /// <summary>
    /// Counts a connection from <paramref name="client"/> that has not logged in; null when its prefix already holds
    /// <c>PreloginConnectionsPerAddress</c>. Trusted networks, connections without an IP address (a Unix socket behind
    /// the PROXY protocol) and a limit of 0 are not counted. Disposing the slot (at login or at the end) uncounts it.
    /// </summary>
    public PreloginSlot? TryEnterPrelogin(EndPoint? client)
    {
        if (settings.PreloginPerAddress == 0 || client is not IPEndPoint { Address: var address }) return PreloginSlot.Uncounted;
        if (AddressPrefix.IsTrusted(address, settings.TrustedNetworks)) return PreloginSlot.Uncounted;

        var prefix = Prefix(address);
        lock (_prelogin)
        {
            var count = _prelogin.GetValueOrDefault(prefix);
            if (count >= settings.PreloginPerAddress) return null;
            _prelogin[prefix] = count + 1;
        }
        return new PreloginSlot(this, prefix);
    }

    /// <summary>Connections not logged in from <paramref name="address"/>'s prefix (for tests and the admin view).</summary>
    public int PreloginFrom(IPAddress address)
    {
        lock (_prelogin) return _prelogin.GetValueOrDefault(Prefix(address));
    }

    private void Leave(IPNetwork prefix)
    {
        lock (_prelogin)
        {
            var count = _prelogin.GetValueOrDefault(prefix) - 1;
            if (count > 0) _prelogin[prefix] = count;
            else _prelogin.Remove(prefix); // an address that left takes no memory
        }
    }

    /// <summary>The address cut to the login policy's prefix length, as the login grains count it.</summary>
    private IPNetwork Prefix(IPAddress address) => AddressPrefix.Of(address, settings.Ipv4Prefix, settings.Ipv6Prefix);

    /// <summary>One connection's place in its prefix's pre-login count, given back once (login or close).</summary>
    public sealed class PreloginSlot
    {
        public static readonly PreloginSlot Uncounted = new(null, default);

        private ConnectionLimits? _owner;
        private readonly IPNetwork _prefix;

        internal PreloginSlot(ConnectionLimits? owner, IPNetwork prefix)
        {
            _owner = owner;
            _prefix = prefix;
        }

        public void Release() => Interlocked.Exchange(ref _owner, null)?.Leave(_prefix);
    }
}
