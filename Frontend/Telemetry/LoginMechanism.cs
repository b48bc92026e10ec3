namespace OrleansMail.Frontend.Telemetry;

/// <summary>
/// How a client presented its login: the <c>mechanism</c> label of <c>orleansmail.logins</c> and the
/// <c>mail.mechanism</c> attribute of the login span (README "Observability").
/// </summary>
internal enum LoginMechanism
{
    /// <summary>IMAP LOGIN, and SASL LOGIN (AUTH/AUTHENTICATE LOGIN).</summary>
    Login,

    /// <summary>SASL PLAIN.</summary>
    Plain,

    /// <summary>SASL CRAM-MD5.</summary>
    CramMd5,

    /// <summary>POP3 APOP.</summary>
    Apop,

    /// <summary>SASL EXTERNAL.</summary>
    External,

    /// <summary>POP3 USER/PASS.</summary>
    User,

    /// <summary>SMTP under <c>smtp_auth none</c> (MAIL/RCPT as the login).</summary>
    None,

    /// <summary>SASL XOAUTH2.</summary>
    XOAuth2,

    /// <summary>SASL OAUTHBEARER.</summary>
    OAuthBearer,
}

internal static class LoginMechanismLabels
{
    public static string Label(this LoginMechanism mechanism) => mechanism switch
    {
        LoginMechanism.Login => "login",
        LoginMechanism.Plain => "plain",
        LoginMechanism.CramMd5 => "cram-md5",
        LoginMechanism.Apop => "apop",
        LoginMechanism.External => "external",
        LoginMechanism.User => "user",
        LoginMechanism.XOAuth2 => "xoauth2",
        LoginMechanism.OAuthBearer => "oauthbearer",
        _ => "none",
    };

    /// <summary>The mechanism of a SASL exchange.</summary>
    public static LoginMechanism Of(Sasl.SaslMechanism mechanism) => mechanism switch
    {
        Sasl.SaslMechanism.Plain => LoginMechanism.Plain,
        Sasl.SaslMechanism.Login => LoginMechanism.Login,
        Sasl.SaslMechanism.CramMd5 => LoginMechanism.CramMd5,
        Sasl.SaslMechanism.XOAuth2 => LoginMechanism.XOAuth2,
        Sasl.SaslMechanism.OAuthBearer => LoginMechanism.OAuthBearer,
        _ => LoginMechanism.External,
    };
}
