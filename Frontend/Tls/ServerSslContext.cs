using System.Collections;
using System.IO.Pipelines;
using System.Net.Security;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The OpenSSL SSL_CTX that SslStream serves a certificate with, found so OrleansMail can set on it what nginx sets
/// on its own (ticket keys, cipher list, session cache and lifetime, ssl_conf_command; <see cref="OpenSslContextSettings"/>).
/// .NET 10 on Linux (src/libraries/Common/src/Interop/Unix/System.Security.Cryptography.Native/Interop.OpenSsl.cs in
/// dotnet/runtime) makes one server SSL_CTX per certificate chain and protocol set when resumption is allowed and no
/// CipherSuitesPolicy is given, keeps it in the internal cache <c>Interop.OpenSsl.s_sslContexts</c>, and reuses it for
/// every later handshake. It is made on the first handshake; so this class runs one in memory at start-up (and when a
/// certificate is reloaded), takes the SSL_CTX from that cache by its key, and holds a rent on it so the cache never
/// evicts it: every client handshake after that uses the configured SSL_CTX. The cache is internal to .NET; if a
/// future runtime changes it, <see cref="Find"/> fails start-up with a message saying so, never silently.
/// </summary>
internal static class ServerSslContext
{
    // SslStream's cache key marks the server contexts used with ALPN by this bit (FakeAlpnSslProtocol there).
    private const SslProtocols AlpnMark = (SslProtocols)1;

    /// <summary>Runs one handshake with <paramref name="options"/> and returns the SSL_CTX it used (rented for good).</summary>
    public static nint Prime(SslServerAuthenticationOptions options)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        using var server = new SslStream(new DuplexPipeStream(new PipePair(toServer.Reader, toClient.Writer)));
        using var client = new SslStream(new DuplexPipeStream(new PipePair(toClient.Reader, toServer.Writer)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var serverSide = server.AuthenticateAsServerAsync(options, timeout.Token);
        var clientSide = client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = options.EnabledSslProtocols,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, timeout.Token);
        Task.WhenAll(serverSide, clientSide).GetAwaiter().GetResult();
        return Find(options);
    }

    /// <summary>The cached server SSL_CTX for these options' certificate and protocols, rented so it stays cached.</summary>
    private static nint Find(SslServerAuthenticationOptions options)
    {
        var certificate = options.ServerCertificateContext ?? throw new ArgumentException("a certificate context is needed", nameof(options));
        var protocols = options.EnabledSslProtocols | (options.ApplicationProtocols is { Count: > 0 } ? AlpnMark : SslProtocols.None);
        var thumbprints = Thumbprints(certificate);
        foreach (DictionaryEntry entry in Cache())
        {
            var key = entry.Key;
            var type = key.GetType();
            if (Field(type, "IsClient").GetValue(key) is not false) continue;
            if (Field(type, "SslProtocols").GetValue(key) is not SslProtocols keyProtocols || keyProtocols != protocols) continue;
            if (Field(type, "CertificateThumbprints").GetValue(key) is not ReadOnlyMemory<byte> keyPrints || !keyPrints.Span.SequenceEqual(thumbprints)) continue;
            var handle = (System.Runtime.InteropServices.SafeHandle)entry.Value!;
            var rent = handle.GetType().GetMethod("TryAddRentCount", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                ?? throw Unsupported("SafeSslContextHandle.TryAddRentCount");
            if (rent.Invoke(handle, null) is not true) throw Unsupported("a rent on the cached SSL_CTX");
            return handle.DangerousGetHandle();
        }
        throw Unsupported("the server SSL_CTX after a handshake (is DOTNET_SYSTEM_NET_SECURITY_DISABLETLSRESUME set?)");
    }

    private static IDictionary Cache()
    {
        var openSsl = typeof(SslStream).Assembly.GetType("Interop+OpenSsl") ?? throw Unsupported("Interop.OpenSsl");
        var cache = openSsl.GetField("s_sslContexts", BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null) ?? throw Unsupported("Interop.OpenSsl.s_sslContexts");
        for (var type = cache.GetType(); type is not null; type = type.BaseType)
        {
            if (type.GetField("_cache", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(cache) is IDictionary dictionary)
                return dictionary;
        }
        throw Unsupported("SafeHandleCache._cache");
    }

    private static FieldInfo Field(Type type, string name) =>
        type.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance) ?? throw Unsupported($"SslContextCacheKey.{name}");

    /// <summary>The cache key's certificate part: SHA-512 of the certificate, then of each intermediate.</summary>
    private static byte[] Thumbprints(SslStreamCertificateContext context)
    {
        var prints = new List<byte>(context.TargetCertificate.GetCertHash(HashAlgorithmName.SHA512));
        foreach (var intermediate in context.IntermediateCertificates) prints.AddRange(intermediate.GetCertHash(HashAlgorithmName.SHA512));
        return [.. prints];
    }

    private static PlatformNotSupportedException Unsupported(string what) => new(
        $"this .NET runtime ({System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}) does not expose {what}, through which the TLS " +
        "directives ssl_ciphers, ssl_session_cache, ssl_session_timeout, ssl_session_tickets, ssl_session_ticket_key, ssl_ecdh_curve, " +
        "ssl_dhparam, ssl_prefer_server_ciphers and ssl_conf_command are applied (README, \"TLS settings\")");

    private sealed record PipePair(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
