using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// The bounded label values the grains' instruments use (README "Observability"), as constants, so that a measurement
/// never formats a string and a label can never carry a login, an address, a session id or a token.
/// </summary>
public static class TelemetryLabels
{
    /// <summary><c>protocol</c>: imap, pop3, smtp.</summary>
    public static string Protocol(MailProtocol protocol) => protocol switch
    {
        MailProtocol.Imap => "imap",
        MailProtocol.Pop3 => "pop3",
        MailProtocol.Smtp => "smtp",
        _ => "other",
    };

    /// <summary>The <c>result</c> of <c>orleansmail.auth_http.duration</c>: how the auth server answered.</summary>
    public static class AuthHttpResult
    {
        public const string Ok = "ok";
        public const string Refused = "refused";
        public const string Wait = "wait";
        public const string Error = "error";
    }

    /// <summary>The <c>error.type</c> of <c>orleansmail.auth_http.errors</c>.</summary>
    public static class AuthHttpError
    {
        /// <summary>No complete answer within <c>auth_http_timeout</c>.</summary>
        public const string Timeout = "timeout";

        /// <summary>The auth server could not be reached: refused, reset, name resolution, TLS.</summary>
        public const string Connect = "connect";

        /// <summary>An answer without a usable Auth-Status and a non-2xx HTTP status (a proxy's or a crashed script's error page).</summary>
        public const string HttpStatus = "http_status";

        /// <summary>An answer nginx would call invalid: no Auth-Status, bad server or port, no password, a control character, not HTTP.</summary>
        public const string Malformed = "malformed";

        /// <summary>Reply headers over nginx's 1 KB buffer.</summary>
        public const string TooLarge = "too_large";

        /// <summary>Anything else (the request could not be built from the configured URL, an unexpected exception type).</summary>
        public const string Other = "other";
    }

    /// <summary>The <c>result</c> of <c>orleansmail.auth.cache.lookups</c>.</summary>
    public static class CacheResult
    {
        public const string Hit = "hit";
        public const string Miss = "miss";
    }

    /// <summary>The <c>scope</c> of <c>orleansmail.session.leases</c>: which limit's table holds the lease.</summary>
    public static class LeaseScope
    {
        /// <summary>A login grain's leases (session_limit_per_login, session_limit_per_login_address).</summary>
        public const string Login = "login";

        /// <summary>An address prefix grain's leases (session_limit_per_address).</summary>
        public const string Address = "address";
    }

    /// <summary>The <c>state</c> of <c>orleansmail.upstream.pool.members</c>.</summary>
    public static class PoolMemberState
    {
        public const string Up = "up";
        public const string Down = "down";
        public const string Draining = "draining";
        public const string Maintenance = "maintenance";
    }
}
