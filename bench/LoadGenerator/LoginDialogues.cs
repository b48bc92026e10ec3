using System.Text;

namespace OrleansMail.Bench;

/// <summary>
/// One protocol's login as the login scenario runs it: from the greeting to the reply that says the user is logged in
/// (the latency ends there), then the logout. The commands of every bench user are built once.
/// </summary>
internal interface ILoginDialogue
{
    /// <summary>"IMAP", "POP3", "SMTP" (logs).</summary>
    string Protocol { get; }

    /// <summary>Greeting through the successful login of user <paramref name="userIndex"/> (wrapped).</summary>
    ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken);

    /// <summary>Logout and its reply.</summary>
    ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken);

    /// <summary>The TLS client of a TLS dialogue (its handshake counters are read around each run); null in plaintext.</summary>
    TlsClient? Tls => null;

    /// <summary>Whether the login reaches Postfix (SMTP), whose CPU per login is then reported.</summary>
    bool ReachesPostfix => false;
}

/// <summary>Builds a per-user command from a format such as <c>"a LOGIN {0} {1}\r\n"</c> (user, password).</summary>
internal static class UserCommands
{
    public static byte[][] Build(BenchUsers users, Func<string, string, string> command) =>
        Enumerable.Range(0, users.Count).Select(i => Encoding.ASCII.GetBytes(command($"bench{i}", users.Password))).ToArray();
}

/// <summary>IMAP: greeting <c>* OK</c>, <c>a LOGIN user pass</c>, <c>a OK</c>; <c>b LOGOUT</c>, <c>b OK</c>.</summary>
internal sealed class ImapLoginDialogue(BenchUsers users) : ILoginDialogue
{
    private static readonly ReadOnlyMemory<byte> TagA = "a"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagB = "b"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Logout = "b LOGOUT\r\n"u8.ToArray();

    public string Protocol => "IMAP";

    public async ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.ExpectImapGreetingAsync(cancellationToken);
        await connection.SendAsync(users.Login(userIndex), cancellationToken);
        await connection.ExpectTaggedOkAsync(TagA, cancellationToken);
    }

    public async ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Logout, cancellationToken);
        await connection.ExpectTaggedOkAsync(TagB, cancellationToken);
    }
}

/// <summary>
/// IMAP with a bearer token (README "Bearer-token logins"): greeting <c>* OK</c>, <c>a AUTHENTICATE OAUTHBEARER
/// &lt;initial response&gt;</c> (SASL-IR, RFC 4959: one round trip, as Thunderbird and MailKit log in when the server
/// offers it; RFC 7628 §3.1 message with the user's <see cref="BearerTokens"/> token), <c>a OK</c>; <c>b LOGOUT</c>,
/// <c>b OK</c>.
/// </summary>
internal sealed class ImapOAuthBearerLoginDialogue(BenchUsers users, int tokenBytes) : ILoginDialogue
{
    private static readonly ReadOnlyMemory<byte> TagA = "a"u8.ToArray();
    private readonly byte[][] _authenticate = UserCommands.Build(users, (user, _) =>
        $"a AUTHENTICATE OAUTHBEARER {BearerTokens.OAuthBearerResponse(user, tokenBytes)}\r\n");
    private readonly ImapLoginDialogue _imap = new(users);

    public string Protocol => "IMAP OAUTHBEARER";

    public async ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.ExpectImapGreetingAsync(cancellationToken);
        await connection.SendAsync(_authenticate[(int)(userIndex % _authenticate.Length)], cancellationToken);
        await connection.ExpectTaggedOkAsync(TagA, cancellationToken);
    }

    public ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken) => _imap.LogoutAsync(connection, cancellationToken);
}

/// <summary>POP3 (RFC 1939): greeting <c>+OK</c>, <c>USER</c>, <c>+OK</c>, <c>PASS</c>, <c>+OK</c>; <c>QUIT</c>, <c>+OK</c>.</summary>
internal sealed class Pop3LoginDialogue(BenchUsers users) : ILoginDialogue
{
    private static readonly ReadOnlyMemory<byte> Quit = "QUIT\r\n"u8.ToArray();
    private readonly byte[][] _user = UserCommands.Build(users, (user, _) => $"USER {user}\r\n");
    private readonly ReadOnlyMemory<byte> _pass = Encoding.ASCII.GetBytes($"PASS {users.Password}\r\n");

    public string Protocol => "POP3";

    public async ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.ExpectPop3OkAsync(cancellationToken);
        await connection.SendAsync(_user[(int)(userIndex % _user.Length)], cancellationToken);
        await connection.ExpectPop3OkAsync(cancellationToken);
        await connection.SendAsync(_pass, cancellationToken);
        await connection.ExpectPop3OkAsync(cancellationToken);
    }

    public async ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Quit, cancellationToken);
        await connection.ExpectPop3OkAsync(cancellationToken);
    }
}

/// <summary>
/// SMTP (RFC 5321, RFC 4954): greeting 220, <c>EHLO</c>, 250, <c>AUTH PLAIN</c> with the initial response, 235;
/// <c>QUIT</c>, 221. The same dialogue for the proxies (nginx and OrleansMail answer 235 themselves after XCLIENT to
/// Postfix) and for direct Postfix (its SASL asks Dovecot's auth service).
/// </summary>
internal sealed class SmtpLoginDialogue(BenchUsers users) : ILoginDialogue
{
    public static readonly ReadOnlyMemory<byte> Code220 = "220"u8.ToArray();
    public static readonly ReadOnlyMemory<byte> Code221 = "221"u8.ToArray();
    public static readonly ReadOnlyMemory<byte> Code235 = "235"u8.ToArray();
    public static readonly ReadOnlyMemory<byte> Code250 = "250"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Ehlo = "EHLO bench.client\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Quit = "QUIT\r\n"u8.ToArray();
    private readonly byte[][] _auth = UserCommands.Build(users, (user, password) =>
        $"AUTH PLAIN {Convert.ToBase64String(Encoding.ASCII.GetBytes($"\0{user}\0{password}"))}\r\n");

    public string Protocol => "SMTP";

    public bool ReachesPostfix => true;

    public async ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.ExpectSmtpReplyAsync(Code220, cancellationToken);
        await AuthenticateAsync(connection, userIndex, cancellationToken);
    }

    /// <summary>After the greeting (or after STARTTLS): EHLO, 250, AUTH PLAIN with the initial response, 235.</summary>
    public async ValueTask AuthenticateAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Ehlo, cancellationToken);
        await connection.ExpectSmtpReplyAsync(Code250, cancellationToken);
        await connection.SendAsync(_auth[(int)(userIndex % _auth.Length)], cancellationToken);
        await connection.ExpectSmtpReplyAsync(Code235, cancellationToken);
    }

    public async ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Quit, cancellationToken);
        await connection.ExpectSmtpReplyAsync(Code221, cancellationToken);
    }
}
