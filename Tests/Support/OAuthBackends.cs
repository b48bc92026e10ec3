namespace OrleansMail.Tests.Support;

/// <summary>
/// Real mail servers that take bearer-token logins, for XOAUTH2/OAUTHBEARER tests: a <see cref="TestAuthServer"/> whose
/// <see cref="TestAuthServer.Introspection"/> endpoint knows <see cref="Token"/> (6 KB) as <see cref="User"/>'s, a Dovecot
/// with the oauth2 passdb asking that endpoint (<see cref="DovecotServer.StartWithOAuth2Async"/>), and a Postfix with
/// Dovecot SASL (<see cref="PostfixServer.StartWithDovecotSaslAsync"/>). The auth server's <c>Handler</c> is free for
/// the test (the proxy's auth_http); the introspection endpoint answers apart from it.
/// <code>
/// await using var backends = await OAuthBackends.StartAsync();
/// // backends.Dovecot.ImapPort, backends.Postfix.Port, backends.User, backends.Token, backends.Auth.Introspection
/// </code>
/// </summary>
public sealed class OAuthBackends : IAsyncDisposable
{
    /// <summary>The user the token belongs to (also a passwd-file user with <see cref="Password"/>).</summary>
    public const string User = "alice";

    /// <summary>The user's password, for PLAIN/LOGIN.</summary>
    public const string Password = "alice-password";

    private OAuthBackends(TestAuthServer auth, DovecotServer dovecot, PostfixServer postfix, string token)
    {
        Auth = auth;
        Dovecot = dovecot;
        Postfix = postfix;
        Token = token;
    }

    /// <summary>The auth server: the proxy's auth_http (<see cref="TestAuthServer.Handler"/>) and Dovecot's introspection.</summary>
    public TestAuthServer Auth { get; }

    /// <summary>Dovecot with XOAUTH2 and OAUTHBEARER (IMAP, POP3) and the authentication socket Postfix uses.</summary>
    public DovecotServer Dovecot { get; }

    /// <summary>Postfix whose SMTP AUTH goes to Dovecot.</summary>
    public PostfixServer Postfix { get; }

    /// <summary><see cref="User"/>'s valid token, <see cref="BearerToken.SixKilobytes"/> long.</summary>
    public string Token { get; }

    /// <summary>Starts the three servers (the auth server first: Dovecot needs its URL, Postfix Dovecot's socket).</summary>
    public static async Task<OAuthBackends> StartAsync(CancellationToken cancellationToken = default)
    {
        var auth = await TestAuthServer.StartAsync();
        DovecotServer? dovecot = null;
        try
        {
            var token = BearerToken.Create();
            auth.Introspection.AddToken(token, User);
            dovecot = await DovecotServer.StartWithOAuth2Async(auth.IntrospectionUrl, [(User, Password)],
                cancellationToken: cancellationToken);
            var postfix = await PostfixServer.StartWithDovecotSaslAsync(dovecot, cancellationToken: cancellationToken);
            return new OAuthBackends(auth, dovecot, postfix, token);
        }
        catch
        {
            if (dovecot is not null) await dovecot.DisposeAsync();
            await auth.DisposeAsync();
            throw;
        }
    }

    /// <summary>Dovecot's, Postfix's and the auth server's logs and recorded requests, for assertion messages.</summary>
    public string Diagnostics() =>
        $"{Dovecot.Diagnostics()}\n{Postfix.Diagnostics()}\n--- introspected tokens (lengths) ---\n" +
        string.Join(", ", Auth.Introspection.IntrospectedTokens.Select(t => t.Length));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Postfix.DisposeAsync();
        await Dovecot.DisposeAsync();
        await Auth.DisposeAsync();
    }
}
