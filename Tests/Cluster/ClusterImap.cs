using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// IMAP clients of a cluster's front ends, from a chosen loopback source address (127.0.0.0/8 is all local on Linux),
/// so one test can play an attacker and a user on different client addresses.
/// </summary>
public static class ClusterImap
{
    /// <summary>A MailKit client logged in through <paramref name="frontend"/> with INBOX open; the caller disposes it.</summary>
    public static async Task<ImapClient> LoginAsync(FrontendProcess frontend, string user, string password, string? from = null, CancellationToken cancellationToken = default)
    {
        var client = new ImapClient { Timeout = 20_000 };
        if (from is not null) client.LocalEndPoint = new IPEndPoint(IPAddress.Parse(from), 0);
        try
        {
            await client.ConnectAsync("127.0.0.1", frontend.ImapPort, SecureSocketOptions.None, cancellationToken);
            await client.AuthenticateAsync(user, password, cancellationToken);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Logs in and out; null on success, else what went wrong.</summary>
    public static async Task<string?> TryLoginAsync(FrontendProcess frontend, string user, string password, string? from = null, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = await LoginAsync(frontend, user, password, from, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>One raw <c>LOGIN</c> on a fresh connection from <paramref name="from"/>: the tagged reply line.</summary>
    public static async Task<string> RawLoginAsync(FrontendProcess frontend, string user, string password, string from, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(IPAddress.Loopback, frontend.ImapPort, cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await reader.ReadLineAsync(cancellationToken); // greeting
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"a LOGIN \"{user}\" \"{password}\"\r\n"), cancellationToken);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("a ", StringComparison.Ordinal)) return line;
        }

        return "(closed without a reply)";
    }
}
