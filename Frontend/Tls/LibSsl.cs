using System.Runtime.InteropServices;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The OpenSSL 3 functions OrleansMail calls itself, on the server SSL_CTX that SslStream creates and caches
/// (<see cref="ServerSslContext"/>): the calls nginx makes on its own SSL_CTX (src/event/ngx_event_openssl.c) for
/// the directives .NET has no option for. Names and constants are OpenSSL's (include/openssl/ssl.h, evp.h, core.h).
/// </summary>
internal static unsafe partial class LibSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    public const int CtrlSetSessionCacheSize = 42;     // SSL_CTRL_SET_SESS_CACHE_SIZE
    public const int CtrlSetSessionCacheMode = 44;     // SSL_CTRL_SET_SESS_CACHE_MODE
    public const int CtrlSetGroupsList = 92;           // SSL_CTRL_SET_GROUPS_LIST (SSL_CTX_set1_curves_list)
    public const long SessionCacheOff = 0;             // SSL_SESS_CACHE_OFF
    public const long SessionCacheServer = 2;          // SSL_SESS_CACHE_SERVER
    public const ulong OptionNoTicket = 1UL << 14;     // SSL_OP_NO_TICKET
    public const ulong OptionServerPreference = 1UL << 22; // SSL_OP_CIPHER_SERVER_PREFERENCE
    public const uint ConfFlagFile = 0x2, ConfFlagServer = 0x8, ConfFlagShowErrors = 0x10, ConfFlagCertificate = 0x20;
    public const int Tls13Version = 0x0304;            // TLS1_3_VERSION
    public const int ExIndexSslCtx = 1;                // CRYPTO_EX_INDEX_SSL_CTX

    [LibraryImport(Ssl)] public static partial nint TLS_server_method();
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_new(nint method);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_free(nint ctx);
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_ctrl(nint ctx, int command, nint larg, nint parg);
    [LibraryImport(Ssl)] public static partial ulong SSL_CTX_set_options(nint ctx, ulong options);
    [LibraryImport(Ssl)] public static partial ulong SSL_CTX_clear_options(nint ctx, ulong options);
    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)] public static partial int SSL_CTX_set_cipher_list(nint ctx, string ciphers);
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_set_timeout(nint ctx, nint seconds);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_set_session_id_context(nint ctx, byte* context, uint length);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_set_tlsext_ticket_key_evp_cb(nint ctx, delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint, nint, int, int> callback);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_set_ex_data(nint ctx, int index, nint data);
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_get_ex_data(nint ctx, int index);
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_set0_tmp_dh_pkey(nint ctx, nint dhParameters);
    [LibraryImport(Ssl)] public static partial nint SSL_get_SSL_CTX(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_version(nint ssl);
    [LibraryImport(Ssl)] public static partial nint SSL_CONF_CTX_new();
    [LibraryImport(Ssl)] public static partial uint SSL_CONF_CTX_set_flags(nint conf, uint flags);
    [LibraryImport(Ssl)] public static partial void SSL_CONF_CTX_set_ssl_ctx(nint conf, nint ctx);
    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)] public static partial int SSL_CONF_cmd(nint conf, string command, string value);
    [LibraryImport(Ssl)] public static partial int SSL_CONF_CTX_finish(nint conf);
    [LibraryImport(Ssl)] public static partial void SSL_CONF_CTX_free(nint conf);

    [LibraryImport(Crypto)] public static partial int CRYPTO_get_ex_new_index(int classIndex, nint argl, nint argp, nint newFunc, nint dupFunc, nint freeFunc);
    [LibraryImport(Crypto)] public static partial nint EVP_aes_128_cbc();
    [LibraryImport(Crypto)] public static partial nint EVP_aes_256_cbc();
    [LibraryImport(Crypto)] public static partial int EVP_CIPHER_get_iv_length(nint cipher);
    [LibraryImport(Crypto)] public static partial int EVP_EncryptInit_ex(nint context, nint cipher, nint engine, byte* key, byte* iv);
    [LibraryImport(Crypto)] public static partial int EVP_DecryptInit_ex(nint context, nint cipher, nint engine, byte* key, byte* iv);
    [LibraryImport(Crypto)] public static partial int EVP_MAC_CTX_set_params(nint context, OsslParam* parameters);
    [LibraryImport(Crypto)] public static partial int RAND_bytes(byte* buffer, int length);
    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)] public static partial nint BIO_new_file(string path, string mode);
    [LibraryImport(Crypto)] public static partial int BIO_free(nint bio);
    [LibraryImport(Crypto)] public static partial nint PEM_read_bio_Parameters(nint bio, nint into);
    [LibraryImport(Crypto)] public static partial void EVP_PKEY_free(nint key);
    [LibraryImport(Crypto)] public static partial ulong ERR_get_error();
    [LibraryImport(Crypto)] public static partial void ERR_error_string_n(ulong error, byte* buffer, nuint length);

    /// <summary>OpenSSL's <c>OSSL_PARAM</c> (include/openssl/core.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OsslParam
    {
        public const uint Utf8String = 4, OctetString = 5;
        public byte* Key;
        public uint DataType;
        public void* Data;
        public nuint DataSize;
        public nuint ReturnSize;
    }

    /// <summary>OpenSSL's error queue as one line (the reason nginx logs after "SSL_CONF_cmd(...) failed"), emptied.</summary>
    public static string TakeErrors()
    {
        var reasons = new List<string>();
        var buffer = stackalloc byte[256];
        for (var error = ERR_get_error(); error != 0; error = ERR_get_error())
        {
            ERR_error_string_n(error, buffer, 256);
            reasons.Add(Marshal.PtrToStringUTF8((nint)buffer) ?? "");
        }
        return reasons.Count == 0 ? "" : " (" + string.Join("; ", reasons) + ")";
    }
}
