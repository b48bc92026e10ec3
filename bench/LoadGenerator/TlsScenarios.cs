namespace OrleansMail.Bench;

internal enum TlsScenarioKind
{
    /// <summary>IMAP logins over implicit TLS (<see cref="ImplicitTlsDialogue"/>).</summary>
    ImapImplicit,
    /// <summary>IMAP logins after STARTTLS (<see cref="ImapStartTlsDialogue"/>).</summary>
    ImapStartTls,
    /// <summary>POP3 logins over implicit TLS.</summary>
    Pop3Implicit,
    /// <summary>SMTP submissions: STARTTLS, AUTH PLAIN, one message (<see cref="SmtpSubmissionDialogue"/>).</summary>
    Submission,
    /// <summary>The relay scenario (FETCH of the 10 MB message) over implicit TLS.</summary>
    Relay,
}

/// <summary>
/// One TLS scenario of the benchmark (README "Benchmark"): its key (the report's row keys and run.sh's
/// <c>--tls-target KEY=name:port[:pid]</c>), what it does, whether the client resumes its session, and which of the
/// run's two certificates (RSA-2048, ECDSA P-256) the servers present.
/// </summary>
internal sealed record TlsScenario(string Key, string Label, TlsScenarioKind Kind, bool Resume, bool Ecdsa)
{
    /// <summary>The certificate key of <c>--tls-certificate NAME=PATH</c>.</summary>
    public string Certificate => Ecdsa ? "ecdsa" : "rsa";
}

/// <summary>
/// The TLS scenarios in the order they run and are reported. Only the IMAP full-handshake row runs with both
/// certificates; the others use RSA-2048, still the most common mail server certificate.
/// </summary>
internal static class TlsScenarios
{
    public static readonly IReadOnlyList<TlsScenario> All =
    [
        new("imaps_rsa", "IMAP implicit TLS, full handshake, RSA-2048", TlsScenarioKind.ImapImplicit, Resume: false, Ecdsa: false),
        new("imaps_ecdsa", "IMAP implicit TLS, full handshake, ECDSA P-256", TlsScenarioKind.ImapImplicit, Resume: false, Ecdsa: true),
        new("imaps_resumed", "IMAP implicit TLS, session resumption, RSA-2048", TlsScenarioKind.ImapImplicit, Resume: true, Ecdsa: false),
        new("imap_starttls", "IMAP STARTTLS, full handshake, RSA-2048", TlsScenarioKind.ImapStartTls, Resume: false, Ecdsa: false),
        new("pop3s", "POP3 implicit TLS, full handshake, RSA-2048", TlsScenarioKind.Pop3Implicit, Resume: false, Ecdsa: false),
        new("submission", "SMTP submission: STARTTLS, AUTH PLAIN, one message, RSA-2048", TlsScenarioKind.Submission, Resume: false, Ecdsa: false),
        new("tls_relay", "relay over implicit TLS: FETCH of a 10 MB message, RSA-2048", TlsScenarioKind.Relay, Resume: false, Ecdsa: false),
    ];

    public static TlsScenario Get(string key) =>
        All.FirstOrDefault(s => s.Key == key) ?? throw new ArgumentException($"unknown TLS scenario {key} (expected {string.Join(", ", All.Select(s => s.Key))})");
}
