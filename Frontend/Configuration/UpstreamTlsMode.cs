namespace OrleansMail.Frontend.Configuration;

/// <summary><c>ProxySsl</c>: how the connection to the upstream is secured (nginx has no TLS to the backend).</summary>
public enum UpstreamTlsMode
{
    /// <summary>Plain TCP, as nginx.</summary>
    Off,

    /// <summary>Implicit TLS: the handshake right after connecting (and after a PROXY header), before the greeting.</summary>
    On,

    /// <summary>
    /// IMAP <c>STARTTLS</c>, POP3 <c>STLS</c>, SMTP <c>STARTTLS</c> after the greeting and before logging in; an
    /// upstream that does not accept it is an error, never a reason to go on in plaintext.
    /// </summary>
    StartTls,
}
