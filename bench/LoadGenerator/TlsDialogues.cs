namespace OrleansMail.Bench;

/// <summary>
/// Implicit TLS (IMAPS 993, POP3S 995; RFC 8314 §3.3): the handshake right after connecting, then the plaintext
/// dialogue's login and logout inside the session. The login latency starts at connect, so it includes the handshake.
/// </summary>
internal sealed class ImplicitTlsDialogue(ILoginDialogue inner, TlsClient tls) : ILoginDialogue
{
    public string Protocol => $"{inner.Protocol} implicit TLS ({tls.KeyAlgorithm})";

    public TlsClient Tls => tls;

    public bool ReachesPostfix => inner.ReachesPostfix;

    public async ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.StartTlsAsync(tls, cancellationToken);
        await inner.LoginAsync(connection, userIndex, cancellationToken);
    }

    public ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken) => inner.LogoutAsync(connection, cancellationToken);
}

/// <summary>
/// IMAP STARTTLS (RFC 3501 §6.2.1, RFC 9051 §6.2.1): greeting <c>* OK</c>, <c>t STARTTLS</c>, <c>t OK</c>, the
/// handshake, then <c>a LOGIN</c> under TLS (no second greeting); logout as plaintext IMAP's.
/// </summary>
internal sealed class ImapStartTlsDialogue(BenchUsers users, TlsClient tls) : ILoginDialogue
{
    private static readonly ReadOnlyMemory<byte> TagT = "t"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagA = "a"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> StartTls = "t STARTTLS\r\n"u8.ToArray();
    private readonly ImapLoginDialogue _imap = new(users);

    public string Protocol => $"IMAP STARTTLS ({tls.KeyAlgorithm})";

    public TlsClient Tls => tls;

    public async ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.ExpectImapGreetingAsync(cancellationToken);
        await connection.SendAsync(StartTls, cancellationToken);
        await connection.ExpectTaggedOkAsync(TagT, cancellationToken);
        await connection.StartTlsAsync(tls, cancellationToken);
        await connection.SendAsync(users.Login(userIndex), cancellationToken);
        await connection.ExpectTaggedOkAsync(TagA, cancellationToken);
    }

    public ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken) => _imap.LogoutAsync(connection, cancellationToken);
}

/// <summary>
/// SMTP submission as a mail client sends one message (RFC 6409 with RFC 3207's STARTTLS and RFC 4954's AUTH): greeting
/// 220, <c>EHLO</c>, 250, <c>STARTTLS</c>, 220, the handshake, <c>EHLO</c>, 250, <c>AUTH PLAIN</c>, 235, then one
/// message (<see cref="Scenarios.SendMessageAsync"/>); logout <c>QUIT</c>, 221. The "login" the scenario times is the
/// whole submission: from connect to the message's 250.
/// </summary>
internal sealed class SmtpSubmissionDialogue(BenchUsers users, TlsClient tls, byte[] message) : ILoginDialogue
{
    private static readonly ReadOnlyMemory<byte> Ehlo = "EHLO bench.client\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> StartTls = "STARTTLS\r\n"u8.ToArray();
    private readonly SmtpLoginDialogue _smtp = new(users);
    private readonly byte[] _data = Scenarios.WithDataEnd(message);

    public string Protocol => $"SMTP submission STARTTLS ({tls.KeyAlgorithm})";

    public TlsClient Tls => tls;

    public bool ReachesPostfix => true;

    public async ValueTask LoginAsync(LineConnection connection, long userIndex, CancellationToken cancellationToken)
    {
        await connection.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code220, cancellationToken);
        await connection.SendAsync(Ehlo, cancellationToken);
        await connection.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code250, cancellationToken);
        await connection.SendAsync(StartTls, cancellationToken);
        await connection.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code220, cancellationToken);
        await connection.StartTlsAsync(tls, cancellationToken);
        await _smtp.AuthenticateAsync(connection, userIndex, cancellationToken);
        await Scenarios.SendMessageAsync(connection, _data, cancellationToken);
    }

    public ValueTask LogoutAsync(LineConnection connection, CancellationToken cancellationToken) => _smtp.LogoutAsync(connection, cancellationToken);
}
