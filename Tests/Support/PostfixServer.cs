using System.Diagnostics;
using System.Globalization;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A private Postfix in a fresh temp folder: its own config_directory (<c>etc/</c>), queue_directory (<c>spool/</c>),
/// data_directory and log file (<c>maillog</c>, through postlogd), one smtpd on 127.0.0.1 at a free high port that
/// trusts XCLIENT from 127.0.0.0/8 and relays for it, and virtual delivery of every address <c>@example.test</c> into
/// one Maildir (<c>mail/mailbox/</c>) the test reads. Runs as <c>postfix start-fg</c> (master in the foreground, a
/// child of the test), stopped with <c>postfix stop</c> and then, whatever is left, by killing the tree.
/// <code>
/// await using var postfix = await PostfixServer.StartAsync();
/// // postfix.Port, postfix.WaitForMessageAsync(m => m.Contains(id)), postfix.ReadLog()
/// </code>
/// Postfix needs root to start (it drops to <c>postfix</c> and delivers as <c>nobody</c>).
/// </summary>
public sealed class PostfixServer : IAsyncDisposable
{
    /// <summary>The Postfix control command the Debian package installs.</summary>
    public const string PostfixBinary = "/usr/sbin/postfix";

    /// <summary>The domain whose every address is delivered to the Maildir.</summary>
    public const string Domain = "example.test";

    /// <summary>The one recipient Postfix refuses at RCPT (550 5.1.1).</summary>
    public const string RefusedRecipient = "refused@" + Domain;

    /// <summary>Postfix's myhostname, in its greeting and Received: headers.</summary>
    public const string HostName = "postfix.test";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private const int MaxPortAttempts = 5;

    private readonly ServerProcess _process;

    private PostfixServer(ServerProcess process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => ServerProcess.LoopbackHost;

    /// <summary>The smtpd port.</summary>
    public int Port { get; }

    /// <summary>The server's temp folder; deleted on dispose.</summary>
    public string Directory { get; }

    private string ConfigDirectory => Path.Combine(Directory, "etc");

    /// <summary>Postfix's log (smtpd's <c>client=name[addr], sasl_method=XCLIENT, sasl_username=…</c> lines among others).</summary>
    public string LogPath => Path.Combine(Directory, "maillog");

    /// <summary>The Maildir every message is delivered to.</summary>
    public string MaildirPath => Path.Combine(Directory, "mail", "mailbox");

    /// <summary>The log so far.</summary>
    public string ReadLog() => ServerProcess.ReadShared(LogPath);

    /// <summary>Log and master output, for assertion messages.</summary>
    public string Diagnostics() => $"--- {LogPath} ---\n{ReadLog()}\n--- postfix stdout/stderr ---\n{_process.Output}";

    /// <summary>Every delivered message, raw (Postfix's Return-Path, Delivered-To and Received: headers first).</summary>
    public IReadOnlyList<string> ReadMessages()
    {
        var messages = new List<string>();
        foreach (var folder in new[] { "new", "cur" })
        {
            var path = Path.Combine(MaildirPath, folder);
            if (!System.IO.Directory.Exists(path)) continue;
            foreach (var file in System.IO.Directory.GetFiles(path)) messages.Add(ServerProcess.ReadShared(file));
        }
        return messages;
    }

    /// <summary>Waits until a delivered message matches; throws with the log when none does within <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForMessageAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (true)
        {
            var found = ReadMessages().FirstOrDefault(match);
            if (found is not null) return found;
            if (clock.Elapsed > limit) throw new TimeoutException($"no matching message delivered within {limit}.\n{Diagnostics()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until a log line matches (the log is written asynchronously by postlogd).</summary>
    public async Task<string> WaitForLogLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (true)
        {
            var found = ReadLog().Split('\n').FirstOrDefault(match);
            if (found is not null) return found;
            if (clock.Elapsed > limit) throw new TimeoutException($"no matching log line within {limit}.\n{Diagnostics()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Starts a Postfix; throws <see cref="ServerStartException"/> with its log when it does not come up.</summary>
    public static Task<PostfixServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(null, cancellationToken);

    /// <summary>
    /// Starts a Postfix with <paramref name="extraMainCf"/> appended to its main.cf (e.g. smtpd TLS settings);
    /// throws <see cref="ServerStartException"/> with its log when it does not come up.
    /// </summary>
    public static async Task<PostfixServer> StartAsync(string? extraMainCf, CancellationToken cancellationToken = default)
    {
        if (ServerProcess.CurrentUnixIds().Uid != 0)
            throw new ServerStartException("Postfix needs root to start (its master drops to the postfix user); run the tests as root.");

        ServerStartException? last = null;
        for (var attempt = 1; attempt <= MaxPortAttempts; attempt++)
        {
            var directory = ServerProcess.CreateTempDirectory("orleansmail-postfix-");
            var port = ServerProcess.GetFreeTcpPorts(1)[0];
            ServerProcess? process = null;
            try
            {
                WriteFiles(directory, port, extraMainCf);
                var config = Path.Combine(directory, "etc");
                // "postfix check" creates the queue's subfolders with the owners and modes Postfix wants.
                await using (var check = ServerProcess.Start("postfix check", PostfixBinary, ["-c", config, "check"], directory))
                {
                    using var wait = new CancellationTokenSource(StartTimeout);
                    await check.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                    if (check.ExitCode != 0) throw new ServerStartException($"postfix check failed ({check.ExitCode}):\n{check.Output}");
                }

                process = ServerProcess.Start("postfix", PostfixBinary, ["-c", config, "start-fg"], directory);
                var server = new PostfixServer(process, directory, port);
                await process.WaitUntilReadyAsync(
                    async ct => (await ServerProcess.ReadFirstLineAsync(port, null, ct).ConfigureAwait(false))
                        ?.StartsWith("220 ", StringComparison.Ordinal) == true,
                    StartTimeout, server.Diagnostics, cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (Exception e)
            {
                var log = ServerProcess.ReadShared(Path.Combine(directory, "maillog")) + (process?.Output ?? string.Empty);
                if (process is not null) await StopAsync(directory, process).ConfigureAwait(false);
                await ServerProcess.DeleteDirectoryAsync(directory).ConfigureAwait(false);
                if (e is ServerStartException start && log.Contains("Address already in use", StringComparison.Ordinal))
                {
                    last = start; // Someone took the port between our probe and smtpd's bind.
                    continue;
                }
                throw;
            }
        }

        throw last!;
    }

    /// <summary>
    /// Starts a Postfix whose smtpd offers SMTP AUTH through <paramref name="dovecot"/>'s authentication socket
    /// (<c>smtpd_sasl_type = dovecot</c>): every mechanism that Dovecot offers, XOAUTH2 and OAUTHBEARER included when it
    /// was started with <see cref="DovecotServer.StartWithOAuth2Async"/>. <c>line_length_limit</c> stays at Postfix's
    /// default 2048 (postconf(5)), as operators run it: an AUTH line whose initial response carries a 6 KB token would be
    /// cut there, so such a token must come after the empty 334 challenge. XCLIENT stays trusted from loopback.
    /// </summary>
    public static Task<PostfixServer> StartWithDovecotSaslAsync(DovecotServer dovecot, string? extraMainCf = null,
        CancellationToken cancellationToken = default) =>
        StartAsync($"""
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_type = dovecot
            smtpd_sasl_path = {dovecot.AuthSocketPath}
            smtpd_sasl_security_options = noanonymous
            """ + (extraMainCf is null ? "" : "\n" + extraMainCf), cancellationToken);

    /// <summary>Stops Postfix (<c>postfix stop</c>, then the tree) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(Directory, _process).ConfigureAwait(false);
        await ServerProcess.DeleteDirectoryAsync(Directory).ConfigureAwait(false);
    }

    private static async Task StopAsync(string directory, ServerProcess process)
    {
        if (!process.HasExited)
        {
            // The master ends its children and exits; start-fg's script then exits too.
            await using var stop = ServerProcess.Start("postfix stop", PostfixBinary, ["-c", Path.Combine(directory, "etc"), "stop"], directory);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await stop.WaitForExitAsync(wait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        await process.DisposeAsync().ConfigureAwait(false);
    }

    private static void WriteFiles(string directory, int port, string? extraMainCf)
    {
        var etc = System.IO.Directory.CreateDirectory(Path.Combine(directory, "etc")).FullName;
        // The queue belongs to root, its subfolders (made by "postfix check") and data_directory to mail_owner.
        var spool = System.IO.Directory.CreateDirectory(Path.Combine(directory, "spool")).FullName;
        var data = System.IO.Directory.CreateDirectory(Path.Combine(directory, "data")).FullName;
        var mail = System.IO.Directory.CreateDirectory(Path.Combine(directory, "mail")).FullName;
        var postfix = ServerProcess.FindUser((name, _) => name == "postfix")
                      ?? throw new InvalidOperationException("no user 'postfix' in /etc/passwd: is the postfix package installed?");
        var nobody = ServerProcess.FindUser((name, _) => name == "nobody")
                     ?? throw new InvalidOperationException("no user 'nobody' in /etc/passwd");
        Chown(data, postfix.Uid, postfix.Gid);
        Chown(mail, nobody.Uid, nobody.Gid);
        string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        var refuseOne = "check_recipient_access inline:{ { " + RefusedRecipient + " = 550 5.1.1 No such user here } }";

        File.WriteAllText(Path.Combine(etc, "main.cf"), $"""
            # Generated by OrleansMail.Tests.Support.PostfixServer (Postfix 3.x).
            compatibility_level = 3.6
            queue_directory = {spool}
            data_directory = {data}
            mail_owner = {postfix.Name}
            myhostname = {HostName}
            mydomain = {HostName}
            myorigin = {HostName}
            mydestination =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtpd_authorized_xclient_hosts = 127.0.0.0/8
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            # One address Postfix refuses, to show that its RCPT reply reaches the client.
            smtpd_recipient_restrictions = {refuseOne}
            # No DNS anywhere: the proxy's XCLIENT NAME= is the client's name.
            smtpd_peername_lookup = no
            smtp_dns_support_level = disabled
            smtpd_error_sleep_time = 0
            # "client=name[addr]:port": shows the port XCLIENT PORT= gave.
            smtpd_client_port_logging = yes
            alias_maps =
            alias_database =
            local_recipient_maps =
            virtual_mailbox_domains = {Domain}
            virtual_mailbox_base = {mail}
            virtual_mailbox_maps = static:mailbox/
            virtual_uid_maps = static:{I(nobody.Uid)}
            virtual_gid_maps = static:{I(nobody.Gid)}
            virtual_minimum_uid = 1
            maillog_file = {Path.Combine(directory, "maillog")}
            maillog_file_prefixes = {directory}
            smtputf8_enable = no
            biff = no

            """ + (extraMainCf is null ? "" : extraMainCf + "\n"));

        // No chroot (the temp folder has no copy of /etc), one private smtpd, and only the services delivery needs
        // (and tlsmgr, which smtpd's TLS needs when a test turns it on).
        File.WriteAllText(Path.Combine(etc, "master.cf"), $"""
            127.0.0.1:{I(port)} inet n - n - - smtpd
            pickup    unix  n - n 60 1 pickup
            cleanup   unix  n - n - 0 cleanup
            qmgr      unix  n - n 300 1 qmgr
            rewrite   unix  - - n - - trivial-rewrite
            bounce    unix  - - n - 0 bounce
            defer     unix  - - n - 0 bounce
            trace     unix  - - n - 0 bounce
            verify    unix  - - n - 1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n - - proxymap
            showq     unix  n - n - - showq
            error     unix  - - n - - error
            retry     unix  - - n - - error
            discard   unix  - - n - - discard
            virtual   unix  - n n - - virtual
            anvil     unix  - - n - 1 anvil
            scache    unix  - - n - 1 scache
            postlog   unix-dgram n - n - 1 postlogd
            tlsmgr    unix  - - n 1000? 1 tlsmgr

            """);
    }

    private static void Chown(string path, int uid, int gid)
    {
        if (NativeMethods.Chown(path, uid, gid) != 0)
            throw new InvalidOperationException($"chown {path} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
    }

    private static class NativeMethods
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "chown", SetLastError = true)]
        public static extern int Chown(string path, int uid, int gid);
    }
}
