using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Logging;

/// <summary>
/// error_log as operators write it, on the real Frontend process and on real nginx (nginx-full's mail module) run on
/// the same file, with the same auth server and the same Dovecot: several destinations (two files at different
/// levels, stderr, a UDP syslog receiver, a server{}'s own file), nginx's line layout, and the same session lines
/// for the same events (connected, logged in, proxied session done, login failed, upstream refused, too many invalid
/// commands), modulo time,
/// pid and connection numbers. fail2ban-style rules written for nginx's log match ours.
/// </summary>
public sealed partial class ErrorLogProcessTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>
{
    private const string NginxMailModule = "/usr/lib/nginx/modules/ngx_mail_module.so";
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    [Fact]
    public async Task EveryDestinationGetsItsLevelsAndTheSessionLinesMatchNginxs()
    {
        var server = dovecot.Server;
        var closedPort = ServerProcess.GetFreeTcpPorts(1)[0];
        var users = TestAuthServer.UsersAndPasswords(server.Users, server.Host, server.ImapPort);
        await using var auth = await TestAuthServer.StartAsync(request =>
            request.Decoded("Auth-User") == "bob" ? AuthReply.Ok("127.0.0.1", closedPort) : users(request));
        using var syslog = new UdpSyslogReceiver();
        var ports = ServerProcess.GetFreeTcpPorts(4);
        var text = $$"""
            load_module {{NginxMailModule}};
            events { }
            error_log logs/info.log info;
            error_log logs/error.log error;
            error_log stderr info;
            error_log syslog:server=127.0.0.1:{{syslog.Port}},facility=mail,tag=mailproxy info;
            mail {
                auth_http {{auth.Url.Replace("http://", "", StringComparison.Ordinal)}};
                server {
                    listen 127.0.0.1:{{ports[0]}};
                    protocol imap;
                }
                server {
                    listen 127.0.0.1:{{ports[1]}};
                    protocol imap;
                    error_log logs/second.log info;
                }
            }

            """;

        // nginx first, then OrleansMail, on the same file and ports, each with its own prefix for the logs.
        var nginxRun = await RunNginxAsync(text);
        var nginx = await PlayEventsAsync(nginxRun, ports, syslog);
        var ours = await PlayEventsAsync(RunFrontend(text, ports), ports, syslog);

        foreach (var run in new[] { nginx, ours })
        {
            // Two files at different levels: info.log has the info lines and the error, error.log the error only.
            Assert.Contains(run.Info, l => l.Contains("[info]", StringComparison.Ordinal) && l.Contains("client login failed", StringComparison.Ordinal));
            Assert.Contains(run.Info, l => l.Contains("[error]", StringComparison.Ordinal) && l.Contains("login: \"bob\"", StringComparison.Ordinal));
            var error = Assert.Single(run.Error, l => l.Contains("server: 127.0.0.1:", StringComparison.Ordinal));
            Assert.Contains("[error]", error, StringComparison.Ordinal);
            Assert.DoesNotContain(run.Error, l => l.Contains("[info]", StringComparison.Ordinal));
            // stderr and syslog (RFC 3164: <PRI> with facility mail = 2, info = 6, error = 3; then the tag and the line).
            Assert.Contains(run.Stderr, l => l.Contains("client logged in, client: 127.0.0.1", StringComparison.Ordinal));
            Assert.Contains(run.Syslog, m => m.StartsWith("<22>", StringComparison.Ordinal) && SyslogLine().IsMatch(m) && m.Contains("client logged in", StringComparison.Ordinal));
            Assert.Contains(run.Syslog, m => m.StartsWith("<19>", StringComparison.Ordinal) && m.Contains("login: \"bob\"", StringComparison.Ordinal));
            // The second server{} has its own error_log: its session is there and not in the top-level files.
            Assert.Contains(run.Second, l => l.Contains($"login: \"mallory\"", StringComparison.Ordinal) && l.Contains($"server: 127.0.0.1:{ports[1]}", StringComparison.Ordinal));
            Assert.DoesNotContain(SessionLines(run.Info, ports), l => l.Contains($"127.0.0.1:{ports[1]}", StringComparison.Ordinal));
            // Every line in nginx's layout.
            Assert.All(run.Info.Concat(run.Error).Concat(run.Second), l => Assert.Matches(LineLayout(), l));
            // The rule operators run against nginx's mail log finds the client.
            var failed = run.Info.Select(l => Fail2Ban().Match(l)).Where(m => m.Success).ToList();
            Assert.Equal(["127.0.0.1"], failed.Select(m => m.Groups["host"].Value));
        }

        // OrleansMail ends every session with one more line, which nginx's mail module does not write (README "Logging", 1021).
        Assert.Contains(ours.Info, l => SessionClosed().IsMatch(l) && l.Contains("login: \"alice\"", StringComparison.Ordinal));
        Assert.DoesNotContain(nginx.Info, l => SessionClosed().IsMatch(l));

        // The same lines for the same events, but for the upstream refusal's wording (README "Logging": nginx reports
        // the refusal when it reads, "recv() failed … while reading response from upstream"; OrleansMail when it connects).
        Assert.Equal(SessionLines(nginx.Info, ports), SessionLines(ours.Info, ports));
        Assert.Equal(SessionLines(nginx.Second, ports), SessionLines(ours.Second, ports));
    }

    /// <summary>
    /// README "Logging": a client-chosen login reaches the log escaped. One with ESC, TAB, a C1 control and quotes,
    /// sent in AUTHENTICATE PLAIN (where no IMAP syntax stops them), is logged as \xHH and cannot close its quotes or
    /// colour a terminal; one with CR LF (which would start a forged line) is refused as an invalid command before any
    /// log line names it, and the log holds no raw control character at all.
    /// </summary>
    [Fact]
    public async Task ClientLoginsWithControlCharactersAreEscapedOrRefusedNeverWrittenRaw()
    {
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Fail("Invalid login or password"));
        var ports = ServerProcess.GetFreeTcpPorts(1);
        var text = $"error_log logs/info.log info;\nmail {{\n    auth_http {auth.Url.Replace("http://", "", StringComparison.Ordinal)};\n    server {{\n        listen 127.0.0.1:{ports[0]};\n        protocol imap;\n    }}\n}}\n";
        var run = RunFrontend(text, ports);
        await using (var app = run.App!)
        {
            await WaitForGreetingAsync(app, ports[0]);
            static string Plain(string login) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{login}\0secret"));
            await using (var client = await LineClient.ConnectAsync(ports[0]))
            {
                await client.ReadLineAsync();
                await client.SendAsync($"a AUTHENTICATE PLAIN {Plain("eve\r\n2026/01/01 00:00:00 [info] 1#0: *1 forged")}\r\n");
                Assert.StartsWith("a BAD", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
            }
            await using (var client = await LineClient.ConnectAsync(ports[0]))
            {
                await client.ReadLineAsync();
                await client.SendAsync($"a AUTHENTICATE PLAIN {Plain("eve\u001b[31m\t\u0085\", client: 192.0.2.9")}\r\n");
                Assert.StartsWith("a NO", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
            }
            var lines = await WaitForLinesAsync(run.Directory, "info.log", "client login failed");
            var line = Assert.Single(lines, l => l.Contains("client login failed", StringComparison.Ordinal));
            Assert.EndsWith("login: \"eve\\x1B[31m\\x09\\x85\\x22, client: 192.0.2.9\"", line, StringComparison.Ordinal);
            Assert.Equal("127.0.0.1", Fail2Ban().Match(line).Groups["host"].Value);
            Assert.All(lines, l => Assert.Matches(LineLayout(), l));
            var raw = ServerProcess.ReadShared(Path.Combine(run.Directory, "logs", "info.log"));
            Assert.DoesNotContain(raw.TrimEnd('\n').Replace("\n", "", StringComparison.Ordinal), c => char.IsControl(c));
            Assert.DoesNotContain("forged", raw, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", raw, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// <c>-e FILE</c>: a start-up error goes to it in the error-log layout as well as to stderr; and with no error_log in
    /// the file it is the error log, at level error (nginx's ngx_log_open_default): an upstream refusal is there, a
    /// refused login (info) is not.
    /// </summary>
    [Fact]
    public async Task DashEIsTheStartUpLogAndTheErrorLogWhenTheFileSetsNone()
    {
        var broken = ServerProcess.CreateTempDirectory("orleansmail-dash-e-");
        await File.WriteAllTextAsync(Path.Combine(broken, "nginx.conf"), "bogus_directive on;\n", Timeout);
        await using (var app = DotnetAppProcess.StartWithArguments("Frontend", "frontend -e (broken)", broken, Path.Combine(broken, "nginx.conf"),
            "-p", broken, "-c", "nginx.conf", "-e", "logs/startup.log"))
        {
            Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var message = $"unknown directive \"bogus_directive\" in {Path.Combine(broken, "nginx.conf")}:1";
            Assert.Contains($"orleansmail: [emerg] {message}", app.StandardError, StringComparison.Ordinal);
            var line = Assert.Single(ReadLines(broken, "startup.log"));
            Assert.Matches(LineLayout(), line);
            Assert.EndsWith($"[emerg] {app.Id}#0: {message}", line, StringComparison.Ordinal);
        }

        var closedPort = ServerProcess.GetFreeTcpPorts(1)[0];
        await using var auth = await TestAuthServer.StartAsync(request =>
            request.Decoded("Auth-User") == "bob" ? AuthReply.Ok("127.0.0.1", closedPort) : AuthReply.Fail("Invalid login or password"));
        var ports = ServerProcess.GetFreeTcpPorts(1);
        var run = RunFrontend($"mail {{\n    auth_http {auth.Url.Replace("http://", "", StringComparison.Ordinal)};\n    server {{\n        listen 127.0.0.1:{ports[0]};\n        protocol imap;\n    }}\n}}\n", ports, "-e", "logs/startup.log");
        await using (var app = run.App!)
        {
            await WaitForGreetingAsync(app, ports[0]);
            await ImapAsync(ports[0], "a LOGIN mallory guess");
            await ImapAsync(ports[0], "a LOGIN bob bob-password");
            var lines = await WaitForLinesAsync(run.Directory, "startup.log", "login: \"bob\"");
            Assert.Contains(lines, l => l.Contains("[error]", StringComparison.Ordinal) && l.Contains("login: \"bob\"", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains("mallory", StringComparison.Ordinal) || l.Contains("[info]", StringComparison.Ordinal));
            Assert.DoesNotContain("login: \"bob\"", app.Output, StringComparison.Ordinal); // the console is replaced
        }
    }

    private sealed record Run(string Directory, DotnetAppProcess? App, ServerProcess? Nginx);

    private sealed record Logs(string[] Info, string[] Error, string[] Second, string[] Stderr, string[] Syslog);

    private static async Task<Run> RunNginxAsync(string text)
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-nginx-oracle-");
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), text, Timeout);
        var nginx = ServerProcess.Start("nginx", "/usr/sbin/nginx",
            ["-p", directory, "-c", "nginx.conf", "-e", "logs/startup.log", "-g", "daemon off; pid logs/nginx.pid;"], directory);
        return new Run(directory, null, nginx);
    }

    private static Run RunFrontend(string text, int[] ports, params string[] extra)
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-errorlog-");
        var file = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(file, text);
        var cluster = ServerProcess.GetFreeTcpPorts(2);
        var globals = string.Create(CultureInfo.InvariantCulture, $"cluster_silo_port {cluster[0]}; cluster_gateway_port {cluster[1]}; cluster_id errorlog-{Guid.NewGuid():N};");
        var app = DotnetAppProcess.StartWithArguments("Frontend", "frontend (error_log)", directory, file, ["-p", directory, "-c", "nginx.conf", "-g", globals, .. extra]);
        return new Run(directory, app, null);
    }

    private static async Task WaitForGreetingAsync(DotnetAppProcess app, int port) =>
        await app.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(port, null, ct) is { } line && line.StartsWith("* OK", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the IMAP greeting", Timeout);

    /// <summary>Logs in (and out), fails a login on each server, and has an upstream refuse; then stops the server and reads every destination.</summary>
    private async Task<Logs> PlayEventsAsync(Run run, int[] ports, UdpSyslogReceiver syslog)
    {
        syslog.Clear();
        try
        {
            if (run.App is { } app) await WaitForGreetingAsync(app, ports[0]);
            else await run.Nginx!.WaitUntilReadyAsync(async ct => await ServerProcess.ReadFirstLineAsync(ports[0], null, ct) is not null,
                TimeSpan.FromSeconds(30), () => run.Nginx.Output, Timeout);

            await ImapAsync(ports[0], "a LOGIN alice alice-password", "b LOGOUT");
            await ImapAsync(ports[0], "a LOGIN mallory guess");
            await ImapAsync(ports[0], "a LOGIN bob bob-password");
            await ImapAsync(ports[1], "a LOGIN mallory guess");
            await ImapAsync(ports[0], "x1 FOO", "x2 FOO", "x3 FOO", "x4 FOO", "x5 FOO");
            await WaitForLinesAsync(run.Directory, "info.log", "too many invalid commands");
            await WaitForLinesAsync(run.Directory, "second.log", "login: \"mallory\"");
            await Task.Delay(TimeSpan.FromMilliseconds(500), Timeout); // syslog datagrams and stderr lines in flight
            var stderr = run.App is { } process ? process.StandardError : run.Nginx!.Output;
            return new Logs(ReadLines(run.Directory, "info.log"), ReadLines(run.Directory, "error.log"), ReadLines(run.Directory, "second.log"),
                stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), syslog.Messages.ToArray());
        }
        finally
        {
            if (run.App is not null) await run.App.DisposeAsync();
            if (run.Nginx is not null) await run.Nginx.DisposeAsync();
        }
    }

    /// <summary>One IMAP connection: the commands in turn, each answered, then the server closes or the client hangs up.</summary>
    private static async Task ImapAsync(int port, params string[] commands)
    {
        await using var client = await LineClient.ConnectAsync(port);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        foreach (var command in commands)
        {
            await client.SendAsync(command + "\r\n");
            // The tagged reply, or the untagged internal error before the server closes.
            while (await client.ReadLineAsync() is { } line && !line.StartsWith(command[..2], StringComparison.Ordinal) && !line.StartsWith("* BAD", StringComparison.Ordinal))
            {
            }
        }
        await client.IsClosedAsync(TimeSpan.FromSeconds(5));
    }

    private static string[] ReadLines(string directory, string file)
    {
        var path = Path.Combine(directory, "logs", file);
        return File.Exists(path) ? ServerProcess.ReadShared(path).Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
    }

    private static async Task<string[]> WaitForLinesAsync(string directory, string file, string marker)
    {
        for (var waited = 0; ; waited += 100)
        {
            var lines = ReadLines(directory, file);
            if (lines.Any(l => l.Contains(marker, StringComparison.Ordinal)) || waited > 20_000) return lines;
            await Task.Delay(100, Timeout);
        }
    }

    /// <summary>The lines of the mail sessions nginx writes too, without time, pid, connection number and the client's port.</summary>
    private static List<string> SessionLines(IEnumerable<string> lines, int[] ports) =>
        lines.Where(l => SessionPrefix().IsMatch(l) && !SessionClosed().IsMatch(l))
            .Select(l => SessionPrefix().Replace(l, "[$1] "))
            .Select(l => ClientPort().Replace(l, "client 127.0.0.1:PORT connected"))
            .Select(l => UpstreamRefused().Replace(l, "[error] UPSTREAM REFUSED, client:"))
            .ToList();

    [GeneratedRegex(@"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: \*\d+ ")]
    private static partial Regex SessionPrefix();

    /// <summary>OrleansMail's closing line of a session (EventId 1021), which nginx's mail module does not have.</summary>
    [GeneratedRegex(@"\[info\] \d+#\d+: \*\d+ (imap|pop3|smtp) session closed \(")]
    private static partial Regex SessionClosed();

    [GeneratedRegex(@"client 127\.0\.0\.1:\d+ connected")]
    private static partial Regex ClientPort();

    [GeneratedRegex(@"\[error\] .*\(111: Connection refused\) while (connecting to|reading response from) upstream, client:")]
    private static partial Regex UpstreamRefused();

    /// <summary>nginx's error-log layout (ngx_log_error_core): time, [level], pid#tid, then the message.</summary>
    [GeneratedRegex(@"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(debug|info|notice|warn|error|crit|alert|emerg)\] \d+#\d+: \S")]
    private static partial Regex LineLayout();

    /// <summary>RFC 3164 as nginx sends it: &lt;PRI&gt;Mmm dd hh:mm:ss HOST TAG: then the error-log line.</summary>
    [GeneratedRegex(@"^<\d+>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ mailproxy: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[\w+\] ")]
    private static partial Regex SyslogLine();

    /// <summary>The failregex operators use on nginx's mail log (fail2ban's &lt;HOST&gt; as a named group).</summary>
    [GeneratedRegex(@"client login failed.*?client: (?<host>[0-9A-Fa-f.:]+),")]
    private static partial Regex Fail2Ban();
}
