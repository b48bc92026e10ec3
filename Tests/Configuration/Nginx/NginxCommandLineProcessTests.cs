using System.Globalization;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Tests.Cluster;
using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>
/// The built Frontend run as an operator runs nginx: <c>-c FILE</c> with <c>-t</c>, <c>-T</c>, <c>-g</c>, <c>-s</c>, the
/// pid file and error_log, against a real Dovecot and a real HTTP auth server.
/// </summary>
public sealed class NginxCommandLineProcessTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static DotnetAppProcess Run(string directory, string name, params string[] arguments) =>
        DotnetAppProcess.StartWithArguments("Frontend", name, directory, Path.Combine(directory, "nginx.conf"), arguments);

    private static string NewDirectory() => ServerProcess.CreateTempDirectory("orleansmail-nginx-");

    [Fact]
    public async Task TheSeedAsPrintedFailsTheTestNamingWorkerProcessesAndItsLine()
    {
        var directory = NewDirectory();
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, NginxConfigurationFiles.Seed, Timeout);

        await using var app = Run(directory, "frontend -t (seed as printed)", "-c", file, "-t");
        Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"orleansmail: [emerg] directive \"worker_processes\" is not terminated by \";\" in {file}:1", app.StandardError, StringComparison.Ordinal);
        Assert.Contains($"orleansmail: configuration file {file} test failed", app.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashCapitalTTestsAndDumpsEveryFileIncludesInReadingOrder()
    {
        var directory = NewDirectory();
        var file = Path.Combine(directory, "nginx.conf");
        Directory.CreateDirectory(Path.Combine(directory, "servers"));
        var include = Path.Combine(directory, "servers", "imap.conf");
        await File.WriteAllTextAsync(include, "server {\n    listen 127.0.0.1:1143;\n    protocol imap;\n}\n", Timeout);
        await File.WriteAllTextAsync(file, "events { }\nmail {\n    auth_http 127.0.0.1:9/auth;\n    include servers/*.conf;\n}\n", Timeout);

        await using var app = Run(directory, "frontend -T", "-c", file, "-T");
        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"orleansmail: the configuration file {file} syntax is ok", app.StandardError, StringComparison.Ordinal);
        Assert.Contains($"orleansmail: configuration file {file} test is successful", app.StandardError, StringComparison.Ordinal);
        var expectedDump = $"# configuration file {file}:\n{await File.ReadAllTextAsync(file, Timeout)}\n# configuration file {include}:\n{await File.ReadAllTextAsync(include, Timeout)}\n";
        Assert.Equal(expectedDump, app.StandardOutput.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task ASettingsErrorFailsTheTestAtTheDirectivesLine()
    {
        var directory = NewDirectory();
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, "mail {\n    auth_http 127.0.0.1:9/auth;\n    server {\n        listen 127.0.0.1:1143;\n        protocol imap;\n        imap_client_buffer lots;\n    }\n}\n", Timeout);

        await using var app = Run(directory, "frontend -t (bad value)", "-c", file, "-t");
        Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"orleansmail: [emerg] \"imap_client_buffer\" directive invalid value \"lots\": expected a size such as 4096, 4k, 1m in {file}:6", app.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// The seed example (its missing ";" added) runs: IMAP and POP3 logins through it reach Dovecot; pid and error_log
    /// are honoured; <c>-s reload</c> validates (a broken file is refused, the logged-in session carries on); <c>-s quit</c>
    /// drains (listeners closed, a logged-in session finishes) and stops the process, which removes the pid file.
    /// This one leaves out "ssl on" and the SMTP server{} to keep plaintext MailKit clients; the whole seed, over TLS
    /// on all three protocols, is <see cref="TheWholeSeedStartsAndLogsInOverTlsOnEveryProtocol"/>.
    /// </summary>
    [Fact]
    public async Task TheSeedRunsLogsInReloadsAndQuits()
    {
        await using var auth = await StartImapAndPop3AuthAsync();

        var ports = ServerProcess.GetFreeTcpPorts(4);
        string Port(int i) => ports[i].ToString(CultureInfo.InvariantCulture);
        var smtpBlock = "    server {\n        listen     25;\n        protocol   smtp;\n        smtp_auth  login plain cram-md5;\n    }\n\n";
        var text = NginxConfigurationFiles.FixedSeed
            .Replace("    ssl                 on;\n", "", StringComparison.Ordinal)
            .Replace(smtpBlock, "", StringComparison.Ordinal)
            .Replace("localhost:9000/cgi-bin/nginxauth.cgi", auth.Url, StringComparison.Ordinal)
            .Replace("listen    110;", $"listen    127.0.0.1:{Port(0)};", StringComparison.Ordinal)
            .Replace("listen   143;", $"listen   127.0.0.1:{Port(1)};", StringComparison.Ordinal);
        Assert.DoesNotContain("smtp", text, StringComparison.Ordinal);

        var directory = NewDirectory();
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, text, Timeout);
        var globals = $"pid run/orleansmail.pid; error_log logs/error.log info; cluster_silo_port {Port(2)}; cluster_gateway_port {Port(3)}; cluster_id nginx-{Guid.NewGuid():N};";
        string[] common = ["-p", directory, "-c", "nginx.conf", "-g", globals];

        await using var app = Run(directory, "frontend -c seed", common);
        await app.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(ports[1], null, ct) == FrontendProcess.Greeting,
            TimeSpan.FromSeconds(60), "the IMAP greeting", Timeout);

        var pidFile = Path.Combine(directory, "run", "orleansmail.pid");
        Assert.Equal(app.Id.ToString(CultureInfo.InvariantCulture), (await File.ReadAllTextAsync(pidFile, Timeout)).Trim());
        var errorLog = await File.ReadAllTextAsync(Path.Combine(directory, "logs", "error.log"), Timeout);
        Assert.Contains($"[warn] {app.Id}#0: {file}: nginx directives with no effect on a mail proxy, accepted and ignored: worker_processes", errorLog, StringComparison.Ordinal);

        using var imap = new ImapClient { Timeout = 15_000 };
        await imap.ConnectAsync("127.0.0.1", ports[1], SecureSocketOptions.None, Timeout);
        await imap.AuthenticateAsync("alice", "alice-password", Timeout);
        using (var pop3 = new Pop3Client { Timeout = 15_000 })
        {
            await pop3.ConnectAsync("127.0.0.1", ports[0], SecureSocketOptions.None, Timeout);
            await pop3.AuthenticateAsync("bob", "bob-password", Timeout);
            await pop3.NoOpAsync(Timeout);
            await pop3.DisconnectAsync(true, Timeout);
        }

        // A valid file: validated and logged; a broken one (SIGHUP straight from the operator: "-s reload" itself reads
        // the file first and refuses a broken one, as nginx's does): refused at its line, the running configuration unchanged.
        await SignalAsync(common, "reload");
        // error_log replaces the console, as in nginx: the lines are in the file.
        string ErrorLog() => ServerProcess.ReadShared(Path.Combine(directory, "logs", "error.log"));
        await app.WaitUntilAsync(_ => Task.FromResult(ErrorLog().Contains($"reload: {file} applied: 2 listeners, 0 added, 0 removed (their established sessions continue), 0 changed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the valid reload's log line", Timeout);
        await File.WriteAllTextAsync(file, text.Replace("protocol imap;", "protocol imap", StringComparison.Ordinal), Timeout);
        using (var hangup = System.Diagnostics.Process.Start("kill", ["-HUP", app.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await hangup.WaitForExitAsync(Timeout);
            Assert.Equal(0, hangup.ExitCode);
        }
        await app.WaitUntilAsync(_ => Task.FromResult(ErrorLog().Contains("reload refused, the running configuration is unchanged: unexpected \"}\" in " + file, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the refused reload's log line", Timeout);
        await File.WriteAllTextAsync(file, text, Timeout);

        await imap.NoOpAsync(Timeout); // the session logged in before both reloads carries on
        var inbox = imap.Inbox;
        await inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Timeout);
        await imap.DisconnectAsync(true, Timeout);
        Assert.Equal(FrontendProcess.Greeting, await ServerProcess.ReadFirstLineAsync(ports[1], null, Timeout));

        // -s quit drains: the listeners close at once, a logged-in session carries on until it ends, then the process exits.
        using var draining = new ImapClient { Timeout = 15_000 };
        await draining.ConnectAsync("127.0.0.1", ports[1], SecureSocketOptions.None, Timeout);
        await draining.AuthenticateAsync("alice", "alice-password", Timeout);
        await SignalAsync(common, "quit");
        await app.WaitUntilAsync(async ct =>
        {
            try { await ServerProcess.ReadFirstLineAsync(ports[1], null, ct); return false; }
            catch (System.Net.Sockets.SocketException) { return true; }
        }, TimeSpan.FromSeconds(30), "the IMAP listener closed", Timeout);
        Assert.False(app.HasExited);
        await draining.NoOpAsync(Timeout);
        await draining.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Timeout);
        await draining.DisconnectAsync(true, Timeout);
        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(File.Exists(pidFile), "the pid file is removed at exit");
    }

    /// <summary>
    /// The seed (deploy/examples/nginx-mail.conf) as printed, with only its missing ";" added, starts and serves all
    /// three protocols over implicit TLS ("ssl on", with nginx's deprecation warning). Only what a test machine forces
    /// is changed: the ports (25/110/143 may be taken), the certificate paths (a test PKI, not /etc/ssl) and the
    /// auth_http URL. ssl_protocols TLSv1 TLSv1.1 are refused with a warning and TLSv1.2 serves; ssl_session_cache
    /// shared:SSL:10m is accepted with a warning.
    /// </summary>
    [Fact]
    public async Task TheWholeSeedStartsAndLogsInOverTlsOnEveryProtocol()
    {
        var server = dovecot.Server;
        await using var postfix = await PostfixServer.StartAsync(cancellationToken: Timeout);
        var imapHandler = TestAuthServer.UsersAndPasswords(server.Users, server.Host, server.ImapPort);
        // MailKit picks CRAM-MD5 for POP3: the auth server checks the digest and returns the clear Auth-Pass.
        var pop3Handler = Pop3ProxyFixture.UsersWithDigests(server.Users, server.Host, server.Pop3Port);
        var smtpHandler = TestAuthServer.UsersAndPasswords(server.Users, postfix.Host, postfix.Port);
        await using var auth = await TestAuthServer.StartAsync(request => request["Auth-Protocol"] switch
        {
            "pop3" => pop3Handler(request),
            "smtp" => smtpHandler(request),
            _ => imapHandler(request),
        });
        using var certificates = UpstreamTestCertificates.Create();
        var serverCertificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(certificates.ServerCertificatePath);

        var ports = ServerProcess.GetFreeTcpPorts(5);
        string Port(int i) => ports[i].ToString(CultureInfo.InvariantCulture);
        var text = NginxConfigurationFiles.FixedSeed
            .Replace("localhost:9000/cgi-bin/nginxauth.cgi", auth.Url, StringComparison.Ordinal)
            .Replace("/etc/ssl/certs/server.crt", certificates.ServerCertificatePath, StringComparison.Ordinal)
            .Replace("/etc/ssl/certs/server.key", certificates.ServerKeyPath, StringComparison.Ordinal)
            .Replace("listen     25;", $"listen     127.0.0.1:{Port(0)};", StringComparison.Ordinal)
            .Replace("listen    110;", $"listen    127.0.0.1:{Port(1)};", StringComparison.Ordinal)
            .Replace("listen   143;", $"listen   127.0.0.1:{Port(2)};", StringComparison.Ordinal);
        var directory = NewDirectory();
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, text, Timeout);
        string[] common = ["-p", directory, "-c", "nginx.conf", "-g", $"cluster_silo_port {Port(3)}; cluster_gateway_port {Port(4)}; cluster_id seed-{Guid.NewGuid():N};"];

        await using var app = Run(directory, "frontend -c whole seed", common);
        await app.WaitUntilAsync(async ct =>
        {
            try { using var tcp = new System.Net.Sockets.TcpClient(); await tcp.ConnectAsync("127.0.0.1", ports[2], ct); return true; }
            catch (System.Net.Sockets.SocketException) { return false; }
        }, TimeSpan.FromSeconds(60), "the IMAPS listener", Timeout);
        Assert.Contains("\"ssl\" directive is deprecated", app.Output, StringComparison.Ordinal);
        Assert.Contains("TLSv1", app.Output, StringComparison.Ordinal);

        bool Pinned(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
            System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors) =>
            certificate?.GetCertHashString() == serverCertificate.Thumbprint;

        using (var imap = new ImapClient { Timeout = 15_000, ServerCertificateValidationCallback = Pinned })
        {
            await imap.ConnectAsync("127.0.0.1", ports[2], SecureSocketOptions.SslOnConnect, Timeout);
            Assert.True(imap.IsSecure);
            await imap.AuthenticateAsync("alice", "alice-password", Timeout);
            await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Timeout);
            await imap.DisconnectAsync(true, Timeout);
        }
        using (var pop3 = new Pop3Client { Timeout = 15_000, ServerCertificateValidationCallback = Pinned })
        {
            await pop3.ConnectAsync("127.0.0.1", ports[1], SecureSocketOptions.SslOnConnect, Timeout);
            // pop3_auth plain apop cram-md5: the greeting carries the salt, and CRAM-MD5 is offered.
            Assert.Contains("CRAM-MD5", pop3.AuthenticationMechanisms);
            await pop3.AuthenticateAsync("bob", "bob-password", Timeout);
            await pop3.NoOpAsync(Timeout);
            await pop3.DisconnectAsync(true, Timeout);
        }
        using (var smtp = new MailKit.Net.Smtp.SmtpClient { Timeout = 15_000, ServerCertificateValidationCallback = Pinned })
        {
            await smtp.ConnectAsync("127.0.0.1", ports[0], SecureSocketOptions.SslOnConnect, Timeout);
            Assert.Equal(["PLAIN", "LOGIN", "CRAM-MD5"], smtp.AuthenticationMechanisms.ToArray()); // nginx's order, not smtp_auth's
            smtp.AuthenticationMechanisms.Remove("CRAM-MD5");
            await smtp.AuthenticateAsync("alice", "alice-password", Timeout);
            await smtp.NoOpAsync(Timeout);
            await smtp.DisconnectAsync(true, Timeout);
        }
        Assert.Equal(3, auth.Requests.Count(r => r["Auth-SSL"] == "on"));
    }

    /// <summary>
    /// Reloading (README "Running from an nginx configuration file") through the real process: <c>-s reload</c> with a
    /// changed file gives the IMAP listener's new imap_capabilities to new connections while a session logged in before
    /// keeps working, opens an added listener and closes a removed one whose logged-in POP3 session carries on; a
    /// broken file is refused at its line and changes nothing; two SIGHUPs in a row are applied in turn.
    /// </summary>
    [Fact]
    public async Task ReloadAppliesChangedSettingsAndListenersWithoutDroppingSessions()
    {
        await using var auth = await StartImapAndPop3AuthAsync();
        var ports = ServerProcess.GetFreeTcpPorts(5);
        string Port(int i) => ports[i].ToString(CultureInfo.InvariantCulture);
        string File(string capabilities, string servers) =>
            $"pid run/orleansmail.pid;\nmail {{\n    auth_http {auth.Url};\n    imap_capabilities {capabilities};\n{servers}}}\n";
        var imapServer = $"    server {{\n        listen 127.0.0.1:{Port(0)};\n        protocol imap;\n    }}\n";
        var pop3Server = $"    server {{\n        listen 127.0.0.1:{Port(1)};\n        protocol pop3;\n    }}\n";
        var addedServer = $"    server {{\n        listen 127.0.0.1:{Port(2)};\n        protocol imap;\n    }}\n";

        var directory = NewDirectory();
        var file = Path.Combine(directory, "nginx.conf");
        await System.IO.File.WriteAllTextAsync(file, File("IMAP4rev1 BEFORE-RELOAD", imapServer + pop3Server), Timeout);
        string[] common = ["-p", directory, "-c", "nginx.conf", "-g", $"cluster_silo_port {Port(3)}; cluster_gateway_port {Port(4)}; cluster_id reload-{Guid.NewGuid():N};"];
        await using var app = Run(directory, "frontend -c (reload)", common);
        await app.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(ports[0], null, ct) == FrontendProcess.Greeting,
            TimeSpan.FromSeconds(60), "the IMAP greeting", Timeout);
        Assert.Contains("BEFORE-RELOAD", await CapabilityAsync(ports[0]), StringComparison.Ordinal);

        using var imap = new ImapClient { Timeout = 15_000 };
        await imap.ConnectAsync("127.0.0.1", ports[0], SecureSocketOptions.None, Timeout);
        await imap.AuthenticateAsync("alice", "alice-password", Timeout);
        using var pop3 = new Pop3Client { Timeout = 15_000 };
        await pop3.ConnectAsync("127.0.0.1", ports[1], SecureSocketOptions.None, Timeout);
        await pop3.AuthenticateAsync("bob", "bob-password", Timeout);

        // New capabilities, the POP3 listener removed, another IMAP listener added.
        await System.IO.File.WriteAllTextAsync(file, File("IMAP4rev1 AFTER-RELOAD", imapServer + addedServer), Timeout);
        await SignalAsync(common, "reload");
        await app.WaitUntilAsync(_ => Task.FromResult(app.Output.Contains($"reload: {file} applied: 2 listeners, 1 added, 1 removed (their established sessions continue), 1 changed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the reload's log line", Timeout);

        await imap.NoOpAsync(Timeout);
        await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Timeout);
        await pop3.NoOpAsync(Timeout); // its listener is closed, the session is not
        await pop3.GetMessageCountAsync(Timeout);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => ServerProcess.ReadFirstLineAsync(ports[1], null, Timeout));
        Assert.Contains("AFTER-RELOAD", await CapabilityAsync(ports[0]), StringComparison.Ordinal);
        Assert.Contains("AFTER-RELOAD", await CapabilityAsync(ports[2]), StringComparison.Ordinal);

        // A broken file: refused at its line, nothing changes.
        await System.IO.File.WriteAllTextAsync(file, File("IMAP4rev1 BROKEN", imapServer).Replace("protocol imap;", "protocol imap", StringComparison.Ordinal), Timeout);
        await HangUpAsync(app.Id);
        await app.WaitUntilAsync(_ => Task.FromResult(app.Output.Contains("reload refused, the running configuration is unchanged: unexpected \"}\" in " + file + ":", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the refused reload's log line", Timeout);
        Assert.Contains("AFTER-RELOAD", await CapabilityAsync(ports[0]), StringComparison.Ordinal);
        Assert.Contains("AFTER-RELOAD", await CapabilityAsync(ports[2]), StringComparison.Ordinal);

        // Two SIGHUPs in a row (the second once the first has begun, so the kernel cannot merge them): both applied, in turn.
        await System.IO.File.WriteAllTextAsync(file, File("IMAP4rev1 TWICE", imapServer), Timeout);
        int Reloads() => app.Output.Split("reload: reading").Length - 1;
        var before = Reloads();
        await HangUpAsync(app.Id);
        await app.WaitUntilAsync(_ => Task.FromResult(Reloads() > before), TimeSpan.FromSeconds(30), "the first reload", Timeout);
        await HangUpAsync(app.Id);
        await app.WaitUntilAsync(_ => Task.FromResult(app.Output.Contains($"reload: {file} applied: 1 listeners, 0 added, 0 removed (their established sessions continue), 0 changed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the second reload's log line", Timeout);
        Assert.Contains($"reload: {file} applied: 1 listeners, 0 added, 1 removed (their established sessions continue), 1 changed", app.Output, StringComparison.Ordinal);
        Assert.Contains("TWICE", await CapabilityAsync(ports[0]), StringComparison.Ordinal);

        await imap.NoOpAsync(Timeout); // the session logged in before every reload still works
        await imap.DisconnectAsync(true, Timeout);
        await pop3.DisconnectAsync(true, Timeout);
    }

    /// <summary>An auth server for Dovecot's users: IMAP with their passwords, POP3 with digests (MailKit picks CRAM-MD5).</summary>
    private Task<TestAuthServer> StartImapAndPop3AuthAsync()
    {
        var server = dovecot.Server;
        var imapHandler = TestAuthServer.UsersAndPasswords(server.Users, server.Host, server.ImapPort);
        var pop3Handler = Pop3ProxyFixture.UsersWithDigests(server.Users, server.Host, server.Pop3Port);
        return TestAuthServer.StartAsync(request => request["Auth-Protocol"] == "pop3" ? pop3Handler(request) : imapHandler(request));
    }

    private static async Task<string> CapabilityAsync(int port)
    {
        await using var client = await LineClient.ConnectAsync(port);
        Assert.Equal(FrontendProcess.Greeting, await client.ReadLineAsync());
        await client.SendAsync("c1 CAPABILITY\r\n");
        return string.Join("\n", await client.ReadUntilAsync("c1 "));
    }

    private static async Task HangUpAsync(int pid)
    {
        using var hangup = System.Diagnostics.Process.Start("kill", ["-HUP", pid.ToString(CultureInfo.InvariantCulture)]);
        await hangup.WaitForExitAsync(Timeout);
        Assert.Equal(0, hangup.ExitCode);
    }

    [Fact]
    public async Task DashSWithoutARunningProcessNamesThePidFile()
    {
        var directory = NewDirectory();
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, "pid run/none.pid;\nmail { }\n", Timeout);
        await using var app = Run(directory, "frontend -s stop", "-c", file, "-s", "stop");
        Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"orleansmail: [error] open() \"{Path.Combine(directory, "run", "none.pid")}\" failed", app.StandardError, StringComparison.Ordinal);
    }

    private static async Task SignalAsync(string[] common, string signal)
    {
        // Its own working folder (deleted when it ends): the paths it needs come from -p.
        await using var sender = Run(NewDirectory(), "frontend -s " + signal, [.. common, "-s", signal]);
        var exit = await sender.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"-s {signal} exited with {exit}\n{sender.Diagnostics()}");
    }
}
