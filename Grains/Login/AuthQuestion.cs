using System.Globalization;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The keyed hash of everything in an auth request that can change the auth server's answer: a cached decision, or a
/// refusal repeated locally, is reused only for exactly the same question (the lesson of CVE-2025-30189, where a
/// cache key missing a lookup input let one answer serve another question). Covered: protocol, method, the login as
/// sent, the secret, the auth_http URL and extra headers, the client's TLS state (plain, STARTTLS, implicit TLS,
/// protocol, cipher) and certificate facts, Client-Host, the PROXY protocol header, and the client address prefix
/// when <c>auth_cache_client_address</c> is on. Left out on purpose: <c>Auth-Login-Attempt</c> (a per-connection
/// counter; keying by it would make the second attempt of a connection never hit) and the PROXY header's source port
/// (new on every connection; keying by it would turn the cache off behind a load balancer).
/// </summary>
internal static class AuthQuestion
{
    public static byte[] Hash(SecretHasher hasher, LoginAttempt attempt, LoginPolicySettings settings)
    {
        var tls = attempt.Tls;
        var proxy = attempt.ProxyProtocol;
        var headers = attempt.AuthServer.ExtraHeaders;
        var parts = new string?[19 + (2 * headers.Count)];
        var i = 0;
        parts[i++] = "question/1";
        parts[i++] = attempt.Protocol.ToString();
        parts[i++] = attempt.Method.ToString();
        parts[i++] = attempt.Login;
        parts[i++] = attempt.Secret;
        parts[i++] = attempt.AuthServer.Url;
        parts[i++] = tls is null ? "plain" : tls.StartTls ? "starttls" : "implicit";
        parts[i++] = tls?.Protocol;
        parts[i++] = tls?.Cipher;
        parts[i++] = tls?.Verify;
        parts[i++] = tls?.Subject;
        parts[i++] = tls?.Issuer;
        parts[i++] = tls?.Serial;
        parts[i++] = tls?.Fingerprint;
        parts[i++] = attempt.ClientHost;
        parts[i++] = proxy?.Address;
        parts[i++] = proxy is null ? null : proxy.ServerAddress + " " + proxy.ServerPort.ToString(CultureInfo.InvariantCulture);
        parts[i++] = settings.AuthCacheClientAddress ? AddressPrefix.For(attempt.ClientIp, settings) : null;
        parts[i++] = headers.Count.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in headers)
        {
            parts[i++] = name;
            parts[i++] = value;
        }
        return hasher.Hash(parts);
    }
}
