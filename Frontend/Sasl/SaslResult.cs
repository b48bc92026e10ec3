namespace OrleansMail.Frontend.Sasl;

/// <summary>How a SASL exchange ended.</summary>
internal enum SaslStatus
{
    /// <summary>Credentials decoded; ask the auth server.</summary>
    Done,

    /// <summary>A malformed answer (bad base64, missing NUL, cancel): an invalid command, counted by max_errors.</summary>
    Invalid,

    /// <summary>
    /// An unknown or disabled mechanism, or CRAM-MD5 with an initial response: a handler rejection in nginx, which
    /// max_errors does not count (src/mail/ngx_mail_handler.c).
    /// </summary>
    Refused,

    /// <summary>The client left or sent a too-long line mid-exchange; the session closes.</summary>
    Closed,
}

/// <summary>The outcome of one SASL exchange and, when <see cref="SaslStatus.Done"/>, what the client presented and how.</summary>
internal readonly record struct SaslResult(SaslStatus Status, Credentials? Credentials = null, SaslMechanism? Mechanism = null);
