using System.Collections.Concurrent;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// Sets a listener's TLS directives on the server SSL_CTX SslStream uses (<see cref="ServerSslContext"/>), with the
/// OpenSSL calls nginx makes for them (src/event/ngx_event_openssl.c; src/mail/ngx_mail_ssl_module.c) and in nginx's
/// order: ciphers and their preference, ECDH groups, DH parameters, the session cache and its lifetime, tickets and
/// their keys, the session ID context, and last ssl_conf_command, so a command overrides what came before it.
/// Each setter returns why OpenSSL refused, or null; the settings reader runs the same setters on a scratch SSL_CTX
/// (<see cref="Check"/>) so a bad value stops start-up with the directive's file:line, as nginx's emerg does.
/// </summary>
internal static unsafe class OpenSslContextSettings
{
    // What each SSL_CTX was last given. A reload rebuilds every listener on the same SSL_CTX (same certificate):
    // when only the ticket keys changed, only they are swapped (one pointer), leaving the lists live handshakes copy
    // from untouched.
    private static readonly ConcurrentDictionary<nint, string> Applied = new();

    /// <summary>Applies every setting; an OpenSSL refusal throws naming the directive.</summary>
    public static void Apply(nint ctx, TlsSettings settings, IReadOnlyList<byte[]> ticketKeys, byte[] sessionIdContext)
    {
        var fingerprint = string.Join('|', Values(settings).Where(v => v.Directive != TicketKeyDirective).Select(v => v.Value).Append(Convert.ToHexString(sessionIdContext)));
        if (Applied.TryGetValue(ctx, out var previous) && previous == fingerprint)
        {
            SessionTicketKeys.Install(ctx, ticketKeys);
            return;
        }
        Require(SetCiphers(ctx, settings.Ciphers));
        if (settings.PreferServerCiphers) LibSsl.SSL_CTX_set_options(ctx, LibSsl.OptionServerPreference);
        else LibSsl.SSL_CTX_clear_options(ctx, LibSsl.OptionServerPreference);
        Require(SetEcdhCurve(ctx, settings.EcdhCurve));
        if (settings.DhParamFile is { } dhparam) Require(SetDhParam(ctx, dhparam));
        SetSessionCache(ctx, settings.SessionCache);
        LibSsl.SSL_CTX_set_timeout(ctx, (nint)settings.SessionTimeout.TotalSeconds);
        if (settings.SessionTickets) LibSsl.SSL_CTX_clear_options(ctx, LibSsl.OptionNoTicket);
        else LibSsl.SSL_CTX_set_options(ctx, LibSsl.OptionNoTicket);
        SessionTicketKeys.Install(ctx, ticketKeys);
        fixed (byte* id = sessionIdContext)
        {
            if (LibSsl.SSL_CTX_set_session_id_context(ctx, id, (uint)sessionIdContext.Length) != 1)
                throw new InvalidOperationException("SSL_CTX_set_session_id_context() failed" + LibSsl.TakeErrors());
        }
        Require(SetConfCommands(ctx, settings.ConfCommands));
        Applied[ctx] = fingerprint;
    }

    /// <summary>Left out of <see cref="Apply"/>'s fingerprint: a reload that changes only the keys swaps only them.</summary>
    private const string TicketKeyDirective = "ssl_session_ticket_key";

    /// <summary>
    /// What <see cref="Apply"/> sets from directives, by directive: two listeners on one SSL_CTX must agree on it
    /// (<see cref="SharedTlsContexts"/>). Not the session ID context, which is computed from each listener's whole
    /// certificate set and client CAs: listeners that share one certificate but not the others share the last one
    /// set, so a session may resume across them, and a client certificate is still judged after every handshake,
    /// resumed or not (ClientCertificateVerifier), so no resumption skips ssl_verify_client.
    /// </summary>
    public static IReadOnlyList<(string Directive, string Value)> Values(TlsSettings settings) =>
    [
        ("ssl_ciphers", settings.Ciphers),
        ("ssl_prefer_server_ciphers", settings.PreferServerCiphers.ToString()),
        ("ssl_ecdh_curve", settings.EcdhCurve),
        ("ssl_dhparam", settings.DhParamFile ?? ""),
        ("ssl_session_cache", settings.SessionCache.ToString()),
        ("ssl_session_timeout", settings.SessionTimeout.ToString()),
        ("ssl_session_tickets", settings.SessionTickets.ToString()),
        (TicketKeyDirective, string.Join('\n', settings.SessionTicketKeys)),
        ("ssl_conf_command", string.Join('\n', settings.ConfCommands)),
    ];

    /// <summary>Runs one setter on a fresh SSL_CTX: the reason OpenSSL refuses the value, or null.</summary>
    public static string? Check(Func<nint, string?> setter)
    {
        var ctx = LibSsl.SSL_CTX_new(LibSsl.TLS_server_method());
        if (ctx == 0) return "SSL_CTX_new() failed" + LibSsl.TakeErrors();
        try
        {
            return setter(ctx);
        }
        finally
        {
            LibSsl.SSL_CTX_free(ctx);
        }
    }

    /// <summary><c>ssl_ciphers</c>: SSL_CTX_set_cipher_list, TLS 1.2 and older (TLS 1.3 suites: ssl_conf_command Ciphersuites), as nginx.</summary>
    public static string? SetCiphers(nint ctx, string ciphers) =>
        LibSsl.SSL_CTX_set_cipher_list(ctx, ciphers) == 1 ? null : $"SSL_CTX_set_cipher_list(\"{ciphers}\") failed" + LibSsl.TakeErrors();

    /// <summary><c>ssl_ecdh_curve</c>: "auto" keeps OpenSSL's list; otherwise SSL_CTX_set1_curves_list, as nginx's ngx_ssl_ecdh_curve.</summary>
    public static string? SetEcdhCurve(nint ctx, string curves)
    {
        if (curves.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        var text = System.Text.Encoding.UTF8.GetBytes(curves + "\0");
        fixed (byte* list = text)
        {
            return LibSsl.SSL_CTX_ctrl(ctx, LibSsl.CtrlSetGroupsList, 0, (nint)list) == 1 ? null : $"SSL_CTX_set1_curves_list(\"{curves}\") failed" + LibSsl.TakeErrors();
        }
    }

    /// <summary><c>ssl_dhparam</c>: PEM DH parameters for the DHE suites, as nginx's ngx_ssl_dhparam on OpenSSL 3.</summary>
    public static string? SetDhParam(nint ctx, string file)
    {
        var bio = LibSsl.BIO_new_file(file, "r");
        if (bio == 0) return $"BIO_new_file(\"{file}\") failed" + LibSsl.TakeErrors();
        try
        {
            var parameters = LibSsl.PEM_read_bio_Parameters(bio, 0);
            if (parameters == 0) return $"PEM_read_bio_Parameters(\"{file}\") failed" + LibSsl.TakeErrors();
            if (LibSsl.SSL_CTX_set0_tmp_dh_pkey(ctx, parameters) == 1) return null;
            LibSsl.EVP_PKEY_free(parameters);
            return $"SSL_CTX_set0_tmp_dh_pkey(\"{file}\") failed" + LibSsl.TakeErrors();
        }
        finally
        {
            LibSsl.BIO_free(bio);
        }
    }

    /// <summary><c>ssl_conf_command</c>: SSL_CONF_cmd for each, as nginx's ngx_ssl_conf_commands.</summary>
    public static string? SetConfCommands(nint ctx, IReadOnlyList<SslConfCommand> commands)
    {
        if (commands.Count == 0) return null;
        var conf = LibSsl.SSL_CONF_CTX_new();
        if (conf == 0) return "SSL_CONF_CTX_new() failed" + LibSsl.TakeErrors();
        try
        {
            LibSsl.SSL_CONF_CTX_set_flags(conf, LibSsl.ConfFlagFile | LibSsl.ConfFlagServer | LibSsl.ConfFlagCertificate | LibSsl.ConfFlagShowErrors);
            LibSsl.SSL_CONF_CTX_set_ssl_ctx(conf, ctx);
            foreach (var command in commands)
            {
                if (LibSsl.SSL_CONF_cmd(conf, command.Name, command.Value) <= 0)
                    return $"SSL_CONF_cmd(\"{command.Name}\", \"{command.Value}\") failed" + LibSsl.TakeErrors();
            }
            return LibSsl.SSL_CONF_CTX_finish(conf) == 1 ? null : "SSL_CONF_CTX_finish() failed" + LibSsl.TakeErrors();
        }
        finally
        {
            LibSsl.SSL_CONF_CTX_free(conf);
        }
    }

    /// <summary>
    /// <c>ssl_session_cache</c>, as nginx's ngx_ssl_session_cache: off turns the cache off; none keeps a one-entry
    /// cache (nginx: some clients fail if a server says it has none); builtin and shared cache per process.
    /// </summary>
    private static void SetSessionCache(nint ctx, SessionCacheSettings cache)
    {
        LibSsl.SSL_CTX_ctrl(ctx, LibSsl.CtrlSetSessionCacheMode, (nint)(cache.Enabled ? LibSsl.SessionCacheServer : LibSsl.SessionCacheOff), 0);
        if (cache.Size is { } size) LibSsl.SSL_CTX_ctrl(ctx, LibSsl.CtrlSetSessionCacheSize, size, 0);
    }

    private static void Require(string? problem)
    {
        if (problem is not null) throw new InvalidOperationException(problem);
    }
}
