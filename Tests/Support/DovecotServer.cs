using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A private Dovecot (IMAP + POP3, plaintext, on 127.0.0.1 at free high ports) in a fresh temp
/// folder, with its own base_dir, log file and passwd-file users. Start one per test class:
/// <code>
/// await using var dovecot = await DovecotServer.StartAsync(("alice", "secret"));
/// </code>
/// Works as root (mail processes run as <c>nobody</c>, login as <c>dovenull</c>, internal
/// services as <c>dovecot</c>) and as an ordinary user (everything runs as that user).
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    /// <summary>The Dovecot binary the Debian packages install.</summary>
    public const string DovecotBinary = "/usr/sbin/dovecot";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private const int MaxPortAttempts = 5;

    private ServerProcess _process;
    private readonly Lock _usersLock = new();
    private readonly Dictionary<string, string> _users;

    private DovecotServer(ServerProcess process, string directory, int imapPort, int pop3Port,
        Dictionary<string, string> users, TimeSpan startupTime)
    {
        _process = process;
        Directory = directory;
        ImapPort = imapPort;
        Pop3Port = pop3Port;
        _users = users;
        StartupTime = startupTime;
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => ServerProcess.LoopbackHost;

    /// <summary>The IMAP listener's port.</summary>
    public int ImapPort { get; }

    /// <summary>The POP3 listener's port.</summary>
    public int Pop3Port { get; }

    /// <summary>The server's temp folder (config, users, base_dir, log, homes); deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The Dovecot config file.</summary>
    public string ConfigPath => Path.Combine(Directory, "dovecot.conf");

    /// <summary>Dovecot's log (errors and info, including logins).</summary>
    public string LogPath => Path.Combine(Directory, "dovecot.log");

    /// <summary>The passwd-file with the users.</summary>
    public string UsersPath => Path.Combine(Directory, "users");

    /// <summary>
    /// Dovecot's authentication socket for SASL clients (mode 0666), which Postfix's <c>smtpd_sasl_type = dovecot</c>
    /// talks to (<see cref="PostfixServer.StartWithDovecotSaslAsync"/>).
    /// </summary>
    public string AuthSocketPath => Path.Combine(Directory, "run", AuthSocketName);

    private const string AuthSocketName = "auth-sasl";

    /// <summary>How long the last (successful) start took, until both greetings arrived.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The users and their passwords (user names as given).</summary>
    public IReadOnlyDictionary<string, string> Users
    {
        get
        {
            lock (_usersLock)
            {
                return new Dictionary<string, string>(_users, StringComparer.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>The log so far (empty if none yet).</summary>
    public string ReadLog() => ServerProcess.ReadShared(LogPath);

    /// <summary>Log and master output, for assertion messages.</summary>
    public string Diagnostics() =>
        $"--- {LogPath} ---\n{ReadLog()}\n--- dovecot stdout/stderr ---\n{_process.Output}";

    /// <summary>Starts a Dovecot that knows <paramref name="users"/>.</summary>
    public static Task<DovecotServer> StartAsync(params (string user, string password)[] users) =>
        StartAsync(users, extraConfig: null, CancellationToken.None);

    /// <summary>
    /// Starts a Dovecot that knows <paramref name="users"/>; <paramref name="extraConfig"/> is
    /// appended to the generated dovecot.conf (e.g. <c>login_trusted_networks = 127.0.0.1</c>).
    /// Throws <see cref="ServerStartException"/> with the log when Dovecot does not come up.
    /// </summary>
    public static Task<DovecotServer> StartAsync(
        IEnumerable<(string user, string password)> users,
        string? extraConfig,
        CancellationToken cancellationToken = default) =>
        StartAsync(users, oauth2: null, extraConfig, cancellationToken);

    /// <summary>
    /// Starts a Dovecot that also takes XOAUTH2 and OAUTHBEARER logins, checking each token at
    /// <paramref name="introspectionUrl"/> (<see cref="DovecotOAuth2"/>); <paramref name="users"/> still log in with
    /// PLAIN and LOGIN. Mail is delivered as usual (<see cref="AppendAsync(string,MimeMessage,CancellationToken)"/>).
    /// </summary>
    public static Task<DovecotServer> StartWithOAuth2Async(
        string introspectionUrl,
        IEnumerable<(string user, string password)> users,
        string? extraConfig = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(users, new DovecotOAuth2(introspectionUrl), extraConfig, cancellationToken);

    private static async Task<DovecotServer> StartAsync(
        IEnumerable<(string user, string password)> users,
        DovecotOAuth2? oauth2,
        string? extraConfig,
        CancellationToken cancellationToken)
    {
        var userMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (user, password) in users)
        {
            Validate(user, password);
            userMap[user] = password;
        }

        ServerStartException? last = null;
        for (var attempt = 1; attempt <= MaxPortAttempts; attempt++)
        {
            var stopwatch = Stopwatch.StartNew();
            var directory = ServerProcess.CreateTempDirectory("orleansmail-dovecot-");
            var ports = ServerProcess.GetFreeTcpPorts(2);
            ServerProcess? process = null;
            try
            {
                WriteFiles(directory, ports[0], ports[1], userMap, oauth2, extraConfig);
                process = ServerProcess.Start("dovecot", DovecotBinary,
                    ["-F", "-c", Path.Combine(directory, "dovecot.conf")], directory);
                var server = new DovecotServer(process, directory, ports[0], ports[1], userMap, TimeSpan.Zero);
                await process.WaitUntilReadyAsync(ct => GreetsAsync(ports[0], ports[1], ct),
                    StartTimeout, server.Diagnostics, cancellationToken).ConfigureAwait(false);
                return new DovecotServer(process, directory, ports[0], ports[1], userMap, stopwatch.Elapsed);
            }
            catch (Exception e)
            {
                var log = ServerProcess.ReadShared(Path.Combine(directory, "dovecot.log"))
                          + (process?.Output ?? string.Empty);
                if (process is not null)
                {
                    await process.DisposeAsync().ConfigureAwait(false);
                }

                await ServerProcess.DeleteDirectoryAsync(directory).ConfigureAwait(false);
                if (e is ServerStartException start && log.Contains("Address already in use", StringComparison.Ordinal))
                {
                    last = start; // Someone took a port between our probe and Dovecot's bind.
                    continue;
                }

                throw;
            }
        }

        throw last!;
    }

    /// <summary>
    /// Adds (or changes the password of) a user while the server runs: Dovecot re-reads the
    /// passwd-file when it changes.
    /// </summary>
    public void SetUser(string user, string password)
    {
        Validate(user, password);
        lock (_usersLock)
        {
            _users[user] = password;
            WriteUsers(Directory, _users);
        }
    }

    /// <summary>
    /// Puts <paramref name="message"/> into <paramref name="user"/>'s INBOX with IMAP APPEND
    /// straight to Dovecot. Returns the new message's UID.
    /// </summary>
    public async Task<UniqueId?> AppendAsync(string user, string password, MimeMessage message,
        CancellationToken cancellationToken = default)
    {
        using var client = new ImapClient();
        await client.ConnectAsync(Host, ImapPort, SecureSocketOptions.None, cancellationToken).ConfigureAwait(false);
        await client.AuthenticateAsync(user, password, cancellationToken).ConfigureAwait(false);
        var uid = await client.Inbox.AppendAsync(new AppendRequest(message), cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        return uid;
    }

    /// <summary><see cref="AppendAsync(string,string,MimeMessage,CancellationToken)"/> with the user's known password.</summary>
    public Task<UniqueId?> AppendAsync(string user, MimeMessage message, CancellationToken cancellationToken = default)
    {
        string password;
        lock (_usersLock)
        {
            if (!_users.TryGetValue(user, out password!))
            {
                throw new ArgumentException($"unknown user {user}", nameof(user));
            }
        }

        return AppendAsync(user, password, message, cancellationToken);
    }

    /// <summary>
    /// Stops Dovecot (an upstream outage) but keeps its folder, ports, users and mail, so <see cref="StartAgainAsync"/>
    /// brings the same server back.
    /// </summary>
    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(5));

    /// <summary>Starts Dovecot again after <see cref="StopAsync"/>, on the same ports; waits for both greetings.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = ServerProcess.Start("dovecot", DovecotBinary, ["-F", "-c", ConfigPath], Directory);
        await _process.WaitUntilReadyAsync(ct => GreetsAsync(ImapPort, Pop3Port, ct), StartTimeout, Diagnostics, cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task<bool> GreetsAsync(int imapPort, int pop3Port, CancellationToken cancellationToken) =>
        (await ServerProcess.ReadFirstLineAsync(imapPort, null, cancellationToken).ConfigureAwait(false))
            ?.StartsWith("* OK", StringComparison.Ordinal) == true
        && (await ServerProcess.ReadFirstLineAsync(pop3Port, null, cancellationToken).ConfigureAwait(false))
            ?.StartsWith("+OK", StringComparison.Ordinal) == true;

    /// <summary>Stops Dovecot and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        await ServerProcess.DeleteDirectoryAsync(Directory).ConfigureAwait(false);
    }

    private static void Validate(string user, string password)
    {
        if (string.IsNullOrEmpty(user) || user.IndexOfAny([':', '\r', '\n', ' ', '\t', '/', '%']) >= 0)
        {
            throw new ArgumentException($"user name {user} can't go in a passwd-file", nameof(user));
        }

        if (password.IndexOfAny([':', '\r', '\n']) >= 0)
        {
            throw new ArgumentException("a password can't hold ':' or line breaks in a passwd-file", nameof(password));
        }
    }

    private static void WriteUsers(string directory, Dictionary<string, string> users)
    {
        // Dovecot lower-cases user names before the lookup (auth_username_format = %Lu), so
        // logins are case-insensitive, as on most real servers.
        var text = new StringBuilder();
        foreach (var (user, password) in users)
        {
            text.Append(user.ToLowerInvariant()).Append(":{PLAIN}").Append(password).Append("::::::\n");
        }

        // Dovecot notices a changed passwd-file by its mtime (whole seconds) and size: make
        // sure the size changes, so a quick change of a password of the same length is seen.
        var path = Path.Combine(directory, "users");
        if (File.Exists(path) && new FileInfo(path).Length == Encoding.UTF8.GetByteCount(text.ToString()))
        {
            text.Append("#\n");
        }

        var temp = path + ".new";
        File.WriteAllText(temp, text.ToString());
        ServerProcess.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temp, path, overwrite: true);
    }

    private static void WriteFiles(string directory, int imapPort, int pop3Port,
        Dictionary<string, string> users, DovecotOAuth2? oauth2, string? extraConfig)
    {
        WriteUsers(directory, users);

        // Homes are created by the mail processes themselves, as the mail user.
        var home = Path.Combine(directory, "home");
        System.IO.Directory.CreateDirectory(home);
        ServerProcess.SetUnixFileMode(home, (UnixFileMode)Convert.ToInt32("1777", 8));

        var (uid, gid) = ServerProcess.CurrentUnixIds();
        var root = uid == 0;
        string internalUser, internalGroup, loginUser;
        int mailUid, mailGid;
        if (root)
        {
            // Dovecot refuses uid 0 for mail: deliver as nobody, run internal services and
            // logins as the users the package creates (or nobody where they are missing).
            var nobody = ServerProcess.FindUser((name, _) => name == "nobody")
                         ?? throw new InvalidOperationException("no user 'nobody' in /etc/passwd");
            (mailUid, mailGid) = (nobody.Uid, nobody.Gid);
            var dovecotUser = ServerProcess.FindUser((name, _) => name == "dovecot") ?? nobody;
            internalUser = dovecotUser.Name;
            internalGroup = ServerProcess.FindGroupName(dovecotUser.Gid) ?? throw new InvalidOperationException(
                $"no group {dovecotUser.Gid} in /etc/group");
            loginUser = (ServerProcess.FindUser((name, _) => name == "dovenull") ?? nobody).Name;
        }
        else
        {
            var me = ServerProcess.FindUser((_, id) => id == uid)
                     ?? throw new InvalidOperationException($"uid {uid} is not in /etc/passwd");
            (mailUid, mailGid) = (uid, gid);
            internalUser = loginUser = me.Name;
            internalGroup = ServerProcess.FindGroupName(gid) ?? throw new InvalidOperationException(
                $"no group {gid} in /etc/group");
        }

        var chroot = root ? string.Empty : "  chroot =\n";
        string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        // With OAuth, the oauth2 passdb answers XOAUTH2/OAUTHBEARER and the passwd-file only PLAIN/LOGIN, so a bad token
        // is checked once (by introspection), not also as a password.
        var mechanisms = oauth2 is null ? "plain login" : "plain login xoauth2 oauthbearer";
        var oauth2Passdb = oauth2?.WritePassdb(directory) ?? string.Empty;
        var passwordMechanisms = oauth2 is null ? string.Empty : "  mechanisms = plain login\n";
        var config = $$"""
            # Generated by OrleansMail.Tests.Support.DovecotServer (Dovecot 2.3 syntax).
            base_dir = {{directory}}/run
            state_dir = {{directory}}/state
            log_path = {{directory}}/dovecot.log
            instance_name = orleansmail-{{Path.GetFileName(directory)}}
            protocols = imap pop3
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = {{mechanisms}}
            mail_location = maildir:~/Maildir
            first_valid_uid = {{I(mailUid)}}
            last_valid_uid = 0
            first_valid_gid = {{I(mailGid)}}
            last_valid_gid = 0
            default_internal_user = {{internalUser}}
            default_internal_group = {{internalGroup}}
            default_login_user = {{loginUser}}
            mail_max_userip_connections = 200
            default_client_limit = 1000
            default_process_limit = 100

            {{oauth2Passdb}}
            passdb {
              driver = passwd-file
            {{passwordMechanisms}}  args = {{directory}}/users
            }
            userdb {
              driver = static
              args = uid={{I(mailUid)}} gid={{I(mailGid)}} home={{directory}}/home/%u
            }

            # Tuned so logins are fast (one long-lived login process, reused mail processes).
            service imap-login {
            {{chroot}}  inet_listener imap {
                address = 127.0.0.1
                port = {{I(imapPort)}}
              }
              inet_listener imaps {
                port = 0
              }
              service_count = 0
              process_min_avail = 1
            }
            service pop3-login {
            {{chroot}}  inet_listener pop3 {
                address = 127.0.0.1
                port = {{I(pop3Port)}}
              }
              inet_listener pop3s {
                port = 0
              }
              service_count = 0
              process_min_avail = 1
            }
            service imap {
              service_count = 1000
              process_min_avail = 1
              process_limit = 300
              idle_kill = 5 secs
            }
            service pop3 {
              service_count = 1000
              process_limit = 300
              idle_kill = 5 secs
            }
            # Refuse a wrong password at once: no 2 s failure delay, no per-IP penalty (every
            # test connects from 127.0.0.1, so penalties would pile up across tests to 15 s).
            auth_failure_delay = 0
            # IDLE updates come from inotify; when a busy machine runs out of inotify instances for the mail user
            # (128 per uid by default), Dovecot falls back to polling every 30 s. Poll every second instead.
            mailbox_idle_check_interval = 1 secs
            service anvil {
            {{chroot}}
              unix_listener anvil-auth-penalty {
                mode = 0
              }
            }
            service auth {
              client_limit = 2000
              # For SASL clients such as Postfix's smtpd (smtpd_sasl_type = dovecot).
              unix_listener {{AuthSocketName}} {
                mode = 0666
              }
            }

            {{extraConfig ?? string.Empty}}

            """;
        File.WriteAllText(Path.Combine(directory, "dovecot.conf"), config);
    }
}
