using System.Globalization;
using System.Security.Cryptography;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// TLS session resumption across a cluster of Frontends, and the TLS directives .NET has no option for applied on the
/// SSL_CTX as nginx applies them (README, "TLS settings"): real Frontend processes started as operators start them
/// (<c>Frontend.dll -p PREFIX -c FILE</c>), <c>openssl s_client -sess_out</c> against one and <c>-sess_in</c> against
/// another, and nginx on the same key file as the oracle.
/// </summary>
public sealed class SessionResumptionProcessTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>An implicit-TLS IMAP server block on <paramref name="port"/> with the test certificate and <paramref name="extra"/> directives.</summary>
    private static string Configuration(TestCertificates pki, int port, string extra) =>
        $"mail {{\n    auth_http 127.0.0.1:9/auth;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    server {{\n        listen 127.0.0.1:{P(port)} ssl;\n" +
        $"        protocol imap;\n        ssl_certificate {pki.Path("server-rsa.pem")};\n        ssl_certificate_key {pki.Path("server-rsa.key")};\n" +
        $"        {extra}\n    }}\n}}\nevents {{ }}\n";

    /// <summary>A Frontend on its own prefix, ready once its pid file exists.</summary>
    private static async Task<DotnetAppProcess> StartFrontendAsync(string name, string configuration)
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-resume-");
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, "pid run/o.pid;\n" + configuration, Timeout);
        var ports = ServerProcess.GetFreeTcpPorts(2);
        var app = DotnetAppProcess.StartWithArguments("Frontend", name, directory, file, "-p", directory, "-c", file,
            "-g", $"cluster_silo_port {P(ports[0])}; cluster_gateway_port {P(ports[1])}; cluster_id resume-{Guid.NewGuid():N};");
        await app.WaitUntilAsync(_ => Task.FromResult(File.Exists(Path.Combine(directory, "run", "o.pid"))), TimeSpan.FromSeconds(90), "the pid file", Timeout);
        return app;
    }

    private static async Task<ServerProcess> StartNginxAsync(string configuration)
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-resume-nginx-");
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, configuration, Timeout);
        var nginx = NginxServer.Start(directory, file);
        await nginx.WaitUntilReadyAsync(_ => Task.FromResult(File.Exists(Path.Combine(directory, "nginx.pid"))), TimeSpan.FromSeconds(30), () => nginx.Output, Timeout);
        return nginx;
    }

    private static string KeyFile(int length)
    {
        var path = Path.Combine(ServerProcess.CreateTempDirectory("orleansmail-ticket-"), "ticket.key");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(length));
        return path;
    }

    /// <summary>A new session with <paramref name="port"/>, saved to a file for <see cref="ResumeAsync"/>.</summary>
    private static async Task<string> NewSessionAsync(int port, string protocol)
    {
        var session = Path.Combine(ServerProcess.CreateTempDirectory("orleansmail-session-"), "session.pem");
        var output = await OpenSslClient.RunAsync(port, "a1 LOGOUT\r\n", "-" + protocol, "-sess_out", session);
        Assert.Contains("New, TLSv1", output, StringComparison.Ordinal);
        Assert.True(File.Exists(session), output);
        return session;
    }

    /// <summary>Whether <paramref name="port"/> resumed the saved session (s_client: "Reused" rather than "New").</summary>
    private static async Task<bool> ResumeAsync(int port, string protocol, string session)
    {
        var output = await OpenSslClient.RunAsync(port, "a1 LOGOUT\r\n", "-" + protocol, "-sess_in", session);
        Assert.Contains("* OK", output, StringComparison.Ordinal);
        return output.Contains("Reused, TLSv1", StringComparison.Ordinal);
    }

    /// <summary>
    /// Two Frontends given the same ssl_session_ticket_key file resume each other's sessions, over TLS 1.3 and TLS 1.2;
    /// a third with another key file does not; and with ssl_ciphers set (the second node) a session still resumes,
    /// which no CipherSuitesPolicy would allow.
    /// </summary>
    [Fact]
    public async Task FrontendsWithTheSameTicketKeyFileResumeEachOthersSessionsAndOthersDoNot()
    {
        using var pki = TestCertificates.Create();
        var key = KeyFile(80);
        var ports = ServerProcess.GetFreeTcpPorts(3);
        await using var a = await StartFrontendAsync("frontend A", Configuration(pki, ports[0], $"ssl_session_ticket_key {key};"));
        await using var b = await StartFrontendAsync("frontend B", Configuration(pki, ports[1], $"ssl_session_ticket_key {key}; ssl_ciphers ECDHE+AESGCM:!aNULL;"));
        await using var c = await StartFrontendAsync("frontend C", Configuration(pki, ports[2], $"ssl_session_ticket_key {KeyFile(80)};"));

        foreach (var protocol in new[] { "tls1_3", "tls1_2" })
        {
            var fromA = await NewSessionAsync(ports[0], protocol);
            Assert.True(await ResumeAsync(ports[0], protocol, fromA), $"{protocol}: A resumes its own session");
            Assert.True(await ResumeAsync(ports[1], protocol, fromA), $"{protocol}: B, with A's key file, resumes A's session");
            Assert.False(await ResumeAsync(ports[2], protocol, fromA), $"{protocol}: C, with another key file, does not");
            var fromB = await NewSessionAsync(ports[1], protocol);
            Assert.True(await ResumeAsync(ports[1], protocol, fromB), $"{protocol}: B, with ssl_ciphers set, resumes its own session");
            Assert.True(await ResumeAsync(ports[0], protocol, fromB), $"{protocol}: A resumes B's session");
        }
    }

    /// <summary>nginx and OrleansMail given the same certificate and key file resume each other's sessions, both ways, TLS 1.3 and 1.2.</summary>
    [Fact]
    public async Task NginxAndOrleansMailWithTheSameTicketKeyFileResumeEachOthersSessions()
    {
        using var pki = TestCertificates.Create();
        var key = KeyFile(48);
        var ports = ServerProcess.GetFreeTcpPorts(2);
        await using var ours = await StartFrontendAsync("frontend (with nginx)", Configuration(pki, ports[0], $"ssl_session_ticket_key {key};"));
        await using var nginx = await StartNginxAsync(Configuration(pki, ports[1], $"ssl_session_ticket_key {key};"));

        foreach (var protocol in new[] { "tls1_3", "tls1_2" })
        {
            Assert.True(await ResumeAsync(ports[1], protocol, await NewSessionAsync(ports[0], protocol)), $"{protocol}: nginx resumes OrleansMail's session");
            Assert.True(await ResumeAsync(ports[0], protocol, await NewSessionAsync(ports[1], protocol)), $"{protocol}: OrleansMail resumes nginx's session");
        }
    }

    /// <summary>
    /// ssl_conf_command reaches OpenSSL as in nginx: <c>Ciphersuites TLS_AES_128_GCM_SHA256</c> makes both negotiate
    /// that suite over TLS 1.3, and <c>Options -SessionTicket</c> makes both issue no ticket (TLS 1.2).
    /// </summary>
    [Fact]
    public async Task SslConfCommandIsAppliedAsNginxAppliesIt()
    {
        using var pki = TestCertificates.Create();
        var ports = ServerProcess.GetFreeTcpPorts(2);
        const string commands = "ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256; ssl_conf_command Options -SessionTicket;";
        await using var ours = await StartFrontendAsync("frontend (ssl_conf_command)", Configuration(pki, ports[0], commands));
        await using var nginx = await StartNginxAsync(Configuration(pki, ports[1], commands));

        foreach (var port in ports)
        {
            var tls13 = await OpenSslClient.RunAsync(port, "a1 LOGOUT\r\n", "-tls1_3");
            Assert.Contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", tls13, StringComparison.Ordinal);
            var tls12 = await OpenSslClient.RunAsync(port, "a1 LOGOUT\r\n", "-tls1_2");
            Assert.Contains("New, TLSv1.2", tls12, StringComparison.Ordinal);
            Assert.DoesNotContain("TLS session ticket lifetime hint", tls12, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Keys rotate with a reload (SIGHUP re-reads the files, as nginx's reload does): with the new key first and the old
    /// second, a ticket made with the old key still resumes; with the old key gone, it no longer does, and a ticket made
    /// with the new key does.
    /// </summary>
    [Fact]
    public async Task TicketKeysRotateOnReload()
    {
        using var pki = TestCertificates.Create();
        var (oldKey, newKey) = (KeyFile(80), KeyFile(80));
        var port = ServerProcess.GetFreeTcpPorts(1)[0];
        await using var app = await StartFrontendAsync("frontend (key rotation)", Configuration(pki, port, $"ssl_session_ticket_key {oldKey};"));
        var file = app.ConfigPath;
        var oldSession = await NewSessionAsync(port, "tls1_2");

        async Task ReloadAsync(string keys)
        {
            await File.WriteAllTextAsync(file, "pid run/o.pid;\n" + Configuration(pki, port, keys), Timeout);
            var applied = app.Output.Split(" applied: ").Length;
            using var hangup = System.Diagnostics.Process.Start("kill", ["-HUP", P(app.Id)]);
            await hangup.WaitForExitAsync(Timeout);
            await app.WaitUntilAsync(_ => Task.FromResult(app.Output.Split(" applied: ").Length > applied), TimeSpan.FromSeconds(30), "the reload", Timeout);
        }

        await ReloadAsync($"ssl_session_ticket_key {newKey}; ssl_session_ticket_key {oldKey};");
        Assert.True(await ResumeAsync(port, "tls1_2", oldSession), "the old key, second, still decrypts");
        var newSession = await NewSessionAsync(port, "tls1_2");
        await ReloadAsync($"ssl_session_ticket_key {newKey};");
        Assert.False(await ResumeAsync(port, "tls1_2", oldSession), "the old key is gone");
        Assert.True(await ResumeAsync(port, "tls1_2", newSession), "the new key decrypts what it encrypted");
    }

    /// <summary>
    /// A ticket key file of the wrong length stops start-up with one emerg line at the directive's file:line and status
    /// 1, as nginx does ("must be 48 or 80 bytes").
    /// </summary>
    [Fact]
    public async Task ATicketKeyFileOfTheWrongLengthIsRefusedAtStartUpAsNginxRefusesIt()
    {
        using var pki = TestCertificates.Create();
        var key = KeyFile(47);
        var directory = ServerProcess.CreateTempDirectory("orleansmail-resume-");
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, Configuration(pki, ServerProcess.GetFreeTcpPorts(1)[0], $"ssl_session_ticket_key {key};"), Timeout);
        var ports = ServerProcess.GetFreeTcpPorts(2);
        await using var app = DotnetAppProcess.StartWithArguments("Frontend", "frontend (47-byte key)", directory, file, "-p", directory, "-c", file,
            "-g", $"cluster_silo_port {P(ports[0])}; cluster_gateway_port {P(ports[1])};");
        Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var stderr = app.StandardError.TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', stderr);
        Assert.StartsWith($"orleansmail: [emerg] \"{key}\" must be 48 or 80 bytes", stderr, StringComparison.Ordinal);
        Assert.EndsWith($" in {file}:9", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);

        var (nginxExit, nginxOutput) = await NginxServer.RunToExitAsync(directory, file, TimeSpan.FromSeconds(30));
        Assert.Equal(1, nginxExit);
        Assert.StartsWith($"nginx: [emerg] \"{key}\" must be 48 or 80 bytes", nginxOutput, StringComparison.Ordinal);
    }
}
