using System.Globalization;
using System.Text;
using OrleansMail.Tests.Cluster;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>
/// README "Running from an nginx configuration file" through the real Frontend process, started as operators start
/// nginx (<c>Frontend.dll -p PREFIX -c FILE</c>), with nginx itself run on the same file where it is the oracle: the
/// seed example's EHLO (and the IMAP and POP3 capability lists) byte for byte against nginx's; the pid file as the
/// readiness signal a supervisor waits for; a stop signal at any moment of start-up; relative paths; and each class of
/// start-up error as one <c>[emerg]</c> line with status 1.
/// </summary>
public sealed class NginxStartupProcessTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static string NewDirectory() => ServerProcess.CreateTempDirectory("orleansmail-startup-");

    private static DotnetAppProcess Run(string directory, string name, params string[] arguments) =>
        DotnetAppProcess.StartWithArguments("Frontend", name, directory, Path.Combine(directory, "nginx.conf"), arguments);

    /// <summary>Free cluster ports for one Frontend, as -g directives.</summary>
    private static string ClusterGlobals()
    {
        var ports = ServerProcess.GetFreeTcpPorts(2);
        return $"cluster_silo_port {ports[0]}; cluster_gateway_port {ports[1]}; cluster_id startup-{Guid.NewGuid():N};";
    }

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The example in deploy/examples, its ports and certificate paths changed for the test machine, run by nginx and by
    /// OrleansMail: the EHLO reply (with <c>smtp_capabilities "SIZE 10485760" …</c>), the IMAP CAPABILITY and the POP3
    /// CAPA (with a quoted capability added to each) are byte-identical.
    /// </summary>
    [Fact]
    public async Task TheSeedExamplesEhloCapabilityAndCapaAreByteIdenticalToNginxs()
    {
        using var pki = TestCertificates.Create();
        var example = await File.ReadAllTextAsync(Path.Combine(DotnetAppProcess.SolutionDirectory(), "deploy", "examples", "nginx-mail.conf"), Timeout);
        Assert.Contains("smtp_capabilities \"SIZE 10485760\" ENHANCEDSTATUSCODES 8BITMIME DSN;", example, StringComparison.Ordinal);
        string Configure(int[] ports) => example
            .Replace("/etc/ssl/certs/server.crt", pki.Path("server-rsa.pem"), StringComparison.Ordinal)
            .Replace("/etc/ssl/certs/server.key", pki.Path("server-rsa.key"), StringComparison.Ordinal)
            .Replace("listen     25;", $"listen     127.0.0.1:{P(ports[0])};", StringComparison.Ordinal)
            .Replace("listen    110;", $"listen    127.0.0.1:{P(ports[1])};", StringComparison.Ordinal)
            .Replace("listen   143;", $"listen   127.0.0.1:{P(ports[2])};", StringComparison.Ordinal)
            .Replace("protocol imap;", "protocol imap;\n        imap_capabilities IMAP4rev1 \"X-QUOTED TWO\" ID;", StringComparison.Ordinal)
            .Replace("protocol  pop3;", "protocol  pop3;\n        pop3_capabilities TOP \"X-QUOTED TWO\" USER;", StringComparison.Ordinal)
            + "events { }\n";

        var ours = ServerProcess.GetFreeTcpPorts(3);
        var theirs = ServerProcess.GetFreeTcpPorts(3);
        var directory = NewDirectory();
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), Configure(ours), Timeout);
        var nginxDirectory = NewDirectory();
        await File.WriteAllTextAsync(Path.Combine(nginxDirectory, "nginx.conf"), Configure(theirs), Timeout);

        await using var nginx = NginxServer.Start(nginxDirectory, Path.Combine(nginxDirectory, "nginx.conf"));
        await using var app = Run(directory, "frontend -c seed example", "-p", directory, "-c", "nginx.conf", "-g", "pid run/o.pid; " + ClusterGlobals());
        await app.WaitUntilAsync(_ => Task.FromResult(File.Exists(Path.Combine(directory, "run", "o.pid"))), TimeSpan.FromSeconds(90), "the pid file", Timeout);
        await nginx.WaitUntilReadyAsync(async ct => File.Exists(Path.Combine(nginxDirectory, "nginx.pid")), TimeSpan.FromSeconds(30), () => nginx.Output, Timeout);

        async Task<string> Dialogue(int port, string command, string end)
        {
            await using var client = await LineClient.ConnectAsync(port);
            await client.StartTlsAsync(pki);
            var transcript = new StringBuilder();
            transcript.Append(await client.ReadLineAsync()).Append("\r\n");
            await client.SendAsync(command);
            foreach (var line in await client.ReadUntilAsync(end)) transcript.Append(line).Append("\r\n");
            return transcript.ToString();
        }

        var ehlo = await Dialogue(ours[0], "EHLO client.test\r\n", "250 ");
        Assert.Equal(await Dialogue(theirs[0], "EHLO client.test\r\n", "250 "), ehlo);
        Assert.Contains("250-SIZE 10485760\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n", ehlo, StringComparison.Ordinal);
        // The POP3 greeting carries an APOP salt of its own: only the CAPA reply is compared.
        static string AfterGreeting(string transcript) => transcript[(transcript.IndexOf("\r\n", StringComparison.Ordinal) + 2)..];
        var capa = await Dialogue(ours[1], "CAPA\r\n", ".");
        Assert.Equal(AfterGreeting(await Dialogue(theirs[1], "CAPA\r\n", ".")), AfterGreeting(capa));
        Assert.Contains("\r\nX-QUOTED TWO\r\n", capa, StringComparison.Ordinal);
        var capability = await Dialogue(ours[2], "c1 CAPABILITY\r\n", "c1 ");
        Assert.Equal(await Dialogue(theirs[2], "c1 CAPABILITY\r\n", "c1 "), capability);
        Assert.Contains("IMAP4rev1 X-QUOTED TWO ID", capability, StringComparison.Ordinal);
        await nginx.StopAsync(TimeSpan.FromSeconds(5));
        await ServerProcess.DeleteDirectoryAsync(nginxDirectory);
    }

    /// <summary>
    /// The pid file means "accepting", as nginx's: a supervisor that connects the moment it appears gets the greeting,
    /// and a login at once is decided by the auth server through the embedded silo (the cluster is up: not
    /// <c>NO [UNAVAILABLE]</c>), on each of 20 starts; each stop (SIGTERM) exits with status 0 and removes the file.
    /// </summary>
    [Fact]
    public async Task ASupervisorThatConnectsWhenThePidFileAppearsGetsTheGreetingEveryTime()
    {
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Fail("Invalid login or password"));
        var directory = NewDirectory();
        var port = ServerProcess.GetFreeTcpPorts(1)[0];
        var pidFile = await WriteImapConfigurationAsync(directory, port, auth.Url);

        for (var start = 1; start <= 20; start++)
        {
            // Its own working folder (deleted when it ends); the configuration and the pid file are in the prefix.
            var app = Run(NewDirectory(), $"frontend start {start}", "-p", directory, "-c", "nginx.conf", "-g", ClusterGlobals());
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await app.WaitUntilAsync(_ => Task.FromResult(File.Exists(pidFile)), TimeSpan.FromSeconds(90), "the pid file", Timeout);
                    break;
                }
                catch (ServerStartException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
                {
                    // A test running in parallel bound one of the probed ports first (the listeners refuse to share a
                    // port, as nginx's do): the same start again on fresh ports.
                    await app.DisposeAsync();
                    port = ServerProcess.GetFreeTcpPorts(1)[0];
                    pidFile = await WriteImapConfigurationAsync(directory, port, auth.Url);
                    app = Run(NewDirectory(), $"frontend start {start}", "-p", directory, "-c", "nginx.conf", "-g", ClusterGlobals());
                }
            }
            await using var started = app;
            await using (var client = await LineClient.ConnectAsync(port))
            {
                Assert.Equal(FrontendProcess.Greeting, await client.ReadLineAsync());
                await client.SendAsync($"a LOGIN user{start} password\r\n");
                var reply = await client.ReadLineAsync(TimeSpan.FromSeconds(30));
                Assert.True(reply is not null && reply.StartsWith("a NO ", StringComparison.Ordinal) && !reply.Contains("UNAVAILABLE", StringComparison.Ordinal), $"start {start}: {reply}");
            }
            Assert.Equal(P(app.Id), (await File.ReadAllTextAsync(pidFile, Timeout)).Trim());

            Signal(app.Id, "TERM");
            Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(File.Exists(pidFile), $"start {start}: the pid file is removed at exit");
        }
        await ServerProcess.DeleteDirectoryAsync(directory);
    }

    /// <summary>
    /// A stop signal at several moments of start-up — from the moment the program takes signals (before that the
    /// runtime is still loading and the kernel's default applies, as for any process) through the cluster's start to
    /// just after the pid file appeared — ends the process with status 0, no stack trace, no pid file left.
    /// </summary>
    [Theory]
    [InlineData("TERM", 0)]
    [InlineData("TERM", 300)]
    [InlineData("TERM", 800)]
    [InlineData("TERM", 1500)]
    [InlineData("TERM", 2500)]
    [InlineData("TERM", -1)]
    [InlineData("QUIT", 600)]
    [InlineData("INT", 600)]
    public async Task AStopSignalAtAnyMomentOfStartUpEndsTheProcessCleanly(string signal, int millisecondsAfterSignalsAreTaken)
    {
        var directory = NewDirectory();
        var port = ServerProcess.GetFreeTcpPorts(1)[0];
        var pidFile = await WriteImapConfigurationAsync(directory, port);

        await using var app = Run(directory, $"frontend ({signal} at {millisecondsAfterSignalsAreTaken} ms)", "-p", directory, "-c", "nginx.conf", "-g", ClusterGlobals());
        await app.WaitUntilAsync(_ => Task.FromResult(TakesSignals(app.Id)), TimeSpan.FromSeconds(30), "the program's signal handling", Timeout);
        if (millisecondsAfterSignalsAreTaken < 0)
            await app.WaitUntilAsync(_ => Task.FromResult(File.Exists(pidFile)), TimeSpan.FromSeconds(90), "the pid file", Timeout);
        else
            await Task.Delay(millisecondsAfterSignalsAreTaken, Timeout);

        Signal(app.Id, signal);
        var exit = await app.WaitForExitAsync(TimeSpan.FromSeconds(40));
        Assert.True(exit == 0, $"exit {exit}\n{app.Diagnostics()}");
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", app.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(pidFile), "no pid file is left");
    }

    /// <summary>
    /// Relative paths as nginx takes them: certificates, key and include from the -c file's folder (conf/), pid and
    /// error_log from -p — and without -p from the current directory. The server answers over TLS with that certificate.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RelativePathsAreResolvedAsNginxResolvesThem(bool withPrefix)
    {
        using var pki = TestCertificates.Create();
        var directory = NewDirectory();
        var conf = Path.Combine(directory, "conf");
        Directory.CreateDirectory(Path.Combine(conf, "certs"));
        Directory.CreateDirectory(Path.Combine(conf, "mail.d"));
        File.Copy(pki.Path("server-rsa.pem"), Path.Combine(conf, "certs", "localhost.crt"));
        File.Copy(pki.Path("server-rsa.key"), Path.Combine(conf, "certs", "localhost.key"));
        var port = ServerProcess.GetFreeTcpPorts(1)[0];
        await File.WriteAllTextAsync(Path.Combine(conf, "mail.d", "imaps.conf"),
            $"server {{\n    listen 127.0.0.1:{P(port)} ssl;\n    protocol imap;\n    ssl_certificate certs/localhost.crt;\n    ssl_certificate_key certs/localhost.key;\n}}\n", Timeout);
        await File.WriteAllTextAsync(Path.Combine(conf, "nginx.conf"),
            "pid run/orleansmail.pid;\nerror_log logs/error.log info;\nmail {\n    auth_http 127.0.0.1:9/auth;\n    include mail.d/*.conf;\n}\n", Timeout);

        // The prefix (-p, or the working directory) is the test folder; the configuration is in conf/ below it.
        string[] arguments = withPrefix ? ["-p", directory, "-c", "conf/nginx.conf"] : ["-c", Path.Combine(conf, "nginx.conf")];
        await using var app = Run(directory, $"frontend relative paths ({(withPrefix ? "-p" : "no -p")})", [.. arguments, "-g", ClusterGlobals()]);
        var pidFile = Path.Combine(directory, "run", "orleansmail.pid");
        await app.WaitUntilAsync(_ => Task.FromResult(File.Exists(pidFile)), TimeSpan.FromSeconds(90), "the pid file in the prefix", Timeout);
        Assert.True(File.Exists(Path.Combine(directory, "logs", "error.log")), "error_log is in the prefix");

        await using var client = await LineClient.ConnectAsync(port);
        await client.StartTlsAsync(pki);
        Assert.Equal(FrontendProcess.Greeting, await client.ReadLineAsync());
    }

    /// <summary>
    /// Each class of start-up error is one line, <c>orleansmail: [emerg] MESSAGE in FILE:LINE</c>, and status 1, with
    /// nothing else on stderr and no stack trace anywhere; nginx run on the same file fails the same way (its first line
    /// begins with the same words, up to where nginx quotes OpenSSL or says nothing of the line).
    /// </summary>
    [Theory]
    [InlineData("missing certificate", "[emerg] cannot load certificate \"{dir}/missing.crt\"", 5)]
    [InlineData("unreadable key", "[emerg] cannot load certificate key \"{dir}/key-is-a-directory\"", 6)]
    [InlineData("bad certificate", "[emerg] cannot load certificate \"{dir}/garbage.crt\"", 5)]
    [InlineData("address in use", "[emerg] bind() to 127.0.0.1:{port} failed (98: Address already in use)", 3)]
    [InlineData("bad value", "[emerg] \"smtp_client_buffer\" directive invalid value", 5)]
    public async Task EachStartUpErrorIsOneEmergLineNamingTheDirectiveAndStatusOne(string error, string expectedStart, int line)
    {
        using var pki = TestCertificates.Create();
        var directory = NewDirectory();
        var port = ServerProcess.GetFreeTcpPorts(1)[0];
        File.Copy(pki.Path("server-rsa.pem"), Path.Combine(directory, "good.crt"));
        File.Copy(pki.Path("server-rsa.key"), Path.Combine(directory, "good.key"));
        await File.WriteAllTextAsync(Path.Combine(directory, "garbage.crt"), "this is not PEM\n", Timeout);
        Directory.CreateDirectory(Path.Combine(directory, "key-is-a-directory"));
        var (certificate, key, extra) = error switch
        {
            "missing certificate" => ("missing.crt", "good.key", ""),
            "unreadable key" => ("good.crt", "key-is-a-directory", ""),
            "bad certificate" => ("garbage.crt", "good.key", ""),
            "bad value" => ("good.crt", "good.key", "smtp_client_buffer lots;"),
            _ => ("good.crt", "good.key", ""),
        };
        // Line 3: listen; 5: ssl_certificate (or the bad value); 6: ssl_certificate_key.
        var text = $"mail {{\n    server {{\n        listen 127.0.0.1:{P(port)} ssl;\n        protocol smtp;\n" +
                   (extra.Length > 0 ? $"        {extra}\n        ssl_certificate {certificate};\n" : $"        ssl_certificate {certificate};\n") +
                   $"        ssl_certificate_key {key};\n        auth_http 127.0.0.1:9/auth;\n    }}\n}}\nevents {{ }}\n";
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, text, Timeout);
        var expected = expectedStart.Replace("{dir}", directory, StringComparison.Ordinal).Replace("{port}", P(port), StringComparison.Ordinal);

        using var occupied = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        if (error == "address in use")
        {
            occupied.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            occupied.Listen();
        }

        await using var app = Run(directory, $"frontend ({error})", "-p", directory, "-c", file, "-g", ClusterGlobals());
        Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var stderr = app.StandardError.TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', stderr);
        Assert.StartsWith("orleansmail: " + expected, stderr, StringComparison.Ordinal);
        Assert.EndsWith($" in {file}:{line}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);

        var (nginxExit, nginxOutput) = await NginxServer.RunToExitAsync(directory, file, TimeSpan.FromSeconds(30));
        Assert.Equal(1, nginxExit);
        Assert.StartsWith("nginx: " + expected, nginxOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two servers with the same certificate and ssl_protocols share one OpenSSL context in .NET, where nginx gives each
    /// its own: a TLS directive set on that context differently by the second is refused at its file:line, instead of
    /// one server running with the other's value. nginx accepts the same file; with the values agreeing, both start.
    /// </summary>
    [Theory]
    [InlineData("ssl_ciphers HIGH:!aNULL;", true)]
    [InlineData("ssl_session_timeout 10m;", true)]
    [InlineData("ssl_ciphers HIGH:!aNULL:!MD5;", false)]
    public async Task ServersSharingACertificateMustAgreeOnTheDirectivesOfItsOpenSslContext(string secondServersDirective, bool refused)
    {
        using var pki = TestCertificates.Create();
        var directory = NewDirectory();
        var ports = ServerProcess.GetFreeTcpPorts(2);
        File.Copy(pki.Path("server-rsa.pem"), Path.Combine(directory, "server.crt"));
        File.Copy(pki.Path("server-rsa.key"), Path.Combine(directory, "server.key"));
        // Line 9: the second server's directive (HIGH:!aNULL:!MD5 is the default, so the third case agrees).
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file,
            $"mail {{\n    auth_http 127.0.0.1:9/auth;\n    ssl_certificate server.crt;\n    ssl_certificate_key server.key;\n" +
            $"    server {{\n        listen 127.0.0.1:{P(ports[0])} ssl;\n        protocol imap;\n    }}\n" +
            $"    server {{ {secondServersDirective}\n        listen 127.0.0.1:{P(ports[1])} ssl;\n        protocol pop3;\n    }}\n}}\nevents {{ }}\n", Timeout);

        await using var app = Run(directory, "frontend (shared certificate)", "-p", directory, "-c", file, "-g", ClusterGlobals());
        if (refused)
        {
            Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var stderr = app.StandardError.TrimEnd('\n', '\r');
            Assert.DoesNotContain('\n', stderr);
            var directive = secondServersDirective[..secondServersDirective.IndexOf(' ', StringComparison.Ordinal)];
            Assert.StartsWith($"orleansmail: [emerg] \"{directive}\" differs from mail server ", stderr, StringComparison.Ordinal);
            Assert.Contains($"the same certificate \"{Path.Combine(directory, "server.crt")}\"", stderr, StringComparison.Ordinal);
            Assert.EndsWith($" in {file}:9", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
        }
        else
        {
            // Listening means every listener's TLS was set up: the listeners are bound only after that.
            await app.WaitUntilAsync(async ct =>
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, ports[1], ct);
                return true;
            }, TimeSpan.FromSeconds(60), "the POP3S listener", TestContext.Current.CancellationToken);
            Assert.False(app.HasExited);
        }

        var (nginxExit, nginxOutput) = await NginxServer.RunToExitAsync(directory, file, TimeSpan.FromSeconds(30), "-t");
        Assert.True(nginxExit == 0, nginxOutput);
    }

    /// <summary>The embedded silo's port in use: the same one line, at the cluster_silo_port directive, before the silo starts.</summary>
    [Fact]
    public async Task AClusterPortInUseIsOneEmergLineAtItsDirective()
    {
        var directory = NewDirectory();
        var ports = ServerProcess.GetFreeTcpPorts(3);
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file,
            $"cluster_silo_port {P(ports[0])};\ncluster_gateway_port {P(ports[1])};\nmail {{\n    auth_http 127.0.0.1:9/auth;\n    server {{\n        listen 127.0.0.1:{P(ports[2])};\n        protocol imap;\n    }}\n}}\n", Timeout);
        using var occupied = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        occupied.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, ports[0]));
        occupied.Listen();

        await using var app = Run(directory, "frontend (silo port in use)", "-p", directory, "-c", file);
        Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal($"orleansmail: [emerg] bind() to 0.0.0.0:{P(ports[0])} failed (98: Address already in use) in {file}:1", app.StandardError.TrimEnd('\n', '\r'));
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
    }

    /// <summary>nginx.conf in <paramref name="directory"/>: one plain IMAP listener and a pid file, whose path it returns.</summary>
    private static async Task<string> WriteImapConfigurationAsync(string directory, int port, string authUrl = "127.0.0.1:9/auth")
    {
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"),
            $"pid run/orleansmail.pid;\nmail {{\n    auth_http {authUrl};\n    server {{\n        listen 127.0.0.1:{P(port)};\n        protocol imap;\n    }}\n}}\n", Timeout);
        return Path.Combine(directory, "run", "orleansmail.pid");
    }

    /// <summary>
    /// The program's own signal handling is set up: .NET's runtime catches SIGTERM from its first milliseconds (and ends
    /// the process with 143 on it), but SIGCONT only once the program's first statement has registered its stop
    /// signals (PosixSignalRegistration sets up the platform's signal handling, SIGCONT included). Read from SigCgt in
    /// /proc/PID/status, bit 17 for signal 18.
    /// </summary>
    private static bool TakesSignals(int pid)
    {
        var line = File.ReadLines($"/proc/{P(pid)}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 17)) != 0;
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", P(pid)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
