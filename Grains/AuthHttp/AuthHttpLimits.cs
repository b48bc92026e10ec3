namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// Bounds on what an auth server's answer can make the proxy do (README "Login policy"). nginx takes any
/// <c>Auth-Wait</c> (src/mail/ngx_mail_auth_http_module.c, ngx_atoi), so a broken or hostile auth server can park
/// connections for days; here it is clamped, as is our own <c>Auth-Cache-TTL</c>, and header values that would put
/// control characters into a reply line, an upstream command or a log line make the whole answer invalid.
/// </summary>
internal static class AuthHttpLimits
{
    /// <summary>The longest <c>Auth-Wait</c> honoured (refusal and WAIT alike); longer values are cut to it.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);

    /// <summary>The longest <c>Auth-Cache-TTL</c> honoured; longer values are cut to it.</summary>
    public static readonly TimeSpan MaxCacheTtl = TimeSpan.FromDays(1);

    public static TimeSpan Wait(int seconds) => Clamp(seconds, MaxWait);

    public static TimeSpan CacheTtl(int seconds) => Clamp(seconds, MaxCacheTtl);

    /// <summary>Whether <paramref name="value"/> holds a C0 control character or DEL (tab included: no header value needs one).</summary>
    public static bool HasControlCharacter(string? value) =>
        value is not null && (value.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0 || value.Contains('\u007f'));

    private static TimeSpan Clamp(int seconds, TimeSpan max) =>
        seconds >= max.TotalSeconds ? max : TimeSpan.FromSeconds(seconds);
}
