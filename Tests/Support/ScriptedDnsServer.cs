using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A DNS server on 127.0.0.1, UDP and TCP on the same port (RFC 1035 §4.2), that answers from a script. It exists
/// for what a real server cannot be made to do in a test: serve PTR names with CR, LF, spaces, '=' or non-ASCII
/// bytes (CVE-2026-28753), SERVFAIL on demand, or silence; and the tests have no other DNS server to ask.
/// </summary>
/// <remarks>
/// Wire format, kept minimal (RFC 1035 §4.1): the reply copies the query's id, RD bit and question, and each answer
/// names the question through a compression pointer (0xC00C) with TTL 0, so no answer is cached between scripts.
/// Additional records of the query (DnsClient's EDNS OPT) are ignored. Names not in the script get NXDOMAIN.
/// </remarks>
public sealed class ScriptedDnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Name, QueryType Type), ScriptedDnsReply> _script = new();
    private readonly ConcurrentQueue<ScriptedDnsQuery> _queries = new();
    private readonly Task[] _loops;

    private ScriptedDnsServer(Socket udp, TcpListener tcp)
    {
        _udp = udp;
        _tcp = tcp;
        EndPoint = (IPEndPoint)udp.LocalEndPoint!;
        _loops = [UdpLoopAsync(), TcpAcceptLoopAsync()];
    }

    /// <summary>Where to send queries (UDP and TCP).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Every query received, in arrival order.</summary>
    public IReadOnlyList<ScriptedDnsQuery> Queries => _queries.ToArray();

    /// <summary>Binds a free port for both UDP and TCP.</summary>
    public static ScriptedDnsServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var tcp = new TcpListener(IPAddress.Loopback, ((IPEndPoint)udp.LocalEndPoint!).Port);
            try
            {
                tcp.Start();
                return new ScriptedDnsServer(udp, tcp);
            }
            catch (SocketException) when (attempt < 20)
            {
                // The TCP port of that number is taken: try another.
                udp.Dispose();
            }
        }
    }

    /// <summary>PTR records for <paramref name="address"/>, in this order; each name's labels are its UTF-8 bytes between dots.</summary>
    public void Ptr(IPAddress address, params string[] names) =>
        Reply(address.GetArpaName(), QueryType.PTR, ScriptedDnsReply.Names(names));

    /// <summary>A records (IPv4 addresses) and AAAA records (IPv6 addresses) for <paramref name="name"/>.</summary>
    public void Address(string name, params IPAddress[] addresses)
    {
        foreach (var family in addresses.GroupBy(a => a.AddressFamily))
        {
            var type = family.Key == AddressFamily.InterNetwork ? QueryType.A : QueryType.AAAA;
            Reply(name, type, ScriptedDnsReply.Records([.. family.Select(a => a.GetAddressBytes())]));
        }
    }

    /// <summary>Scripts any reply for a name and type (a PTR's name is <c>address.GetArpaName()</c>).</summary>
    public void Reply(string name, QueryType type, ScriptedDnsReply reply) => _script[(Normalize(name), type)] = reply;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                var answer = Answer(buffer.AsSpan(0, received.ReceivedBytes), "udp");
                if (answer != null)
                {
                    await _udp.SendToAsync(answer, received.RemoteEndPoint, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task TcpAcceptLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                connections.Add(ServeTcpAsync(await _tcp.AcceptTcpClientAsync(_stop.Token)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        await Task.WhenAll(connections);
    }

    /// <summary>RFC 1035 §4.2.2: each message is preceded by its two-byte length; the client may send several.</summary>
    private async Task ServeTcpAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var length = new byte[2];
                while (true)
                {
                    await stream.ReadExactlyAsync(length, _stop.Token);
                    var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                    await stream.ReadExactlyAsync(query, _stop.Token);
                    var answer = Answer(query, "tcp");
                    if (answer != null)
                    {
                        var framed = new byte[answer.Length + 2];
                        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                        answer.CopyTo(framed, 2);
                        await stream.WriteAsync(framed, _stop.Token);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client closed the connection, or the server stopped.
            }
        }
    }

    private byte[]? Answer(ReadOnlySpan<byte> query, string transport)
    {
        // Header (12 bytes), then one question: labels up to the zero byte, QTYPE, QCLASS.
        var end = 12;
        var labels = new List<string>();
        while (query[end] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query.Slice(end + 1, query[end])));
            end += query[end] + 1;
        }

        end += 5;
        var name = Normalize(string.Join('.', labels));
        var type = (QueryType)BinaryPrimitives.ReadUInt16BigEndian(query[(end - 4)..]);
        _queries.Enqueue(new ScriptedDnsQuery(name, type, transport));

        var reply = _script.GetValueOrDefault((name, type), ScriptedDnsReply.NxDomain);
        if (reply.Silent)
        {
            return null;
        }

        var truncated = reply.TruncatedOverUdp && transport == "udp";
        var records = truncated ? [] : reply.Rdata;
        var message = new List<byte>(512);
        var flags = 0x8000 | (query[2] & 0x01) << 8 | 0x0080 | (truncated ? 0x0200 : 0) | reply.ResponseCode;
        message.AddRange([query[0], query[1], (byte)(flags >> 8), (byte)flags, 0, 1, 0, (byte)records.Count, 0, 0, 0, 0]);
        message.AddRange(query[12..end]);
        foreach (var rdata in records)
        {
            message.AddRange([0xC0, 0x0C, (byte)((int)type >> 8), (byte)type, 0, 1, 0, 0, 0, 0, (byte)(rdata.Length >> 8), (byte)rdata.Length]);
            message.AddRange(rdata);
        }

        return [.. message];
    }

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();
}
