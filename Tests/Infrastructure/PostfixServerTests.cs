using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Infrastructure;

/// <summary>The private Postfix itself: it delivers to its Maildir, takes XCLIENT from loopback, and stops completely.</summary>
public sealed class PostfixServerTests
{
    [Fact]
    public async Task DeliversTrustsXclientAndLeavesNoProcessOrFolderBehind()
    {
        var postfix = await PostfixServer.StartAsync(TestContext.Current.CancellationToken);
        var directory = postfix.Directory;
        try
        {
            var (id, body) = SmtpWire.NewMessage();
            await using var c = await LineClient.ConnectAsync(postfix.Port);
            Assert.Equal($"220 {PostfixServer.HostName} ESMTP Postfix", await c.ReadLineAsync());
            await c.SendAsync("EHLO proxy.test\r\n");
            Assert.Contains(await c.ReadUntilAsync("250 "), l => l.StartsWith("250-XCLIENT ", StringComparison.Ordinal));
            await c.SendAsync("XCLIENT ADDR=192.0.2.9 LOGIN=carol NAME=client.example\r\n");
            Assert.StartsWith("220 ", await c.ReadLineAsync());
            await c.SendAsync("HELO client.example\r\n");
            Assert.StartsWith("250 ", await c.ReadLineAsync());
            await SmtpWire.SendMessageAsync(c, "a@b.example", "carol@" + PostfixServer.Domain, id, body);

            var message = await postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal));
            Assert.Equal(SmtpWire.WithLf(body), SmtpWire.BodyOf(message));
            Assert.Contains("Received: from client.example (client.example [192.0.2.9])", message);
            await postfix.WaitForLogLineAsync(l => l.Contains("client=client.example[192.0.2.9]", StringComparison.Ordinal)
                                                   && l.Contains("sasl_username=carol", StringComparison.Ordinal));
        }
        finally
        {
            await postfix.DisposeAsync();
        }

        Assert.False(Directory.Exists(directory));
        Assert.Empty(ProcessesIn(directory));
    }

    /// <summary>Processes whose working folder is inside <paramref name="directory"/> (Postfix's run in its queue folder).</summary>
    private static List<string> ProcessesIn(string directory)
    {
        var found = new List<string>();
        foreach (var proc in System.IO.Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out _)) continue;
            try
            {
                var cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).ResolveLinkTarget(false)?.FullName;
                if (cwd is not null && cwd.StartsWith(directory, StringComparison.Ordinal)) found.Add($"{Path.GetFileName(proc)} {cwd}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
        return found;
    }
}
