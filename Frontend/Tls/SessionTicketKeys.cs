using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// <c>ssl_session_ticket_key</c>: session tickets encrypted with keys from files, so every node given the same files
/// (and nginx given them too) resumes a session another issued. As nginx (src/event/ngx_event_openssl.c,
/// ngx_ssl_session_ticket_keys and ngx_ssl_ticket_key_callback): a file holds 48 bytes (16-byte name, 16-byte AES-128
/// key, 16-byte HMAC key) or 80 bytes (16-byte name, 32-byte HMAC key, 32-byte AES-256 key); the first file's key
/// encrypts new tickets, every file's key decrypts; HMAC is SHA-256, the cipher AES-CBC.
/// The keys live in unmanaged memory hung on the SSL_CTX (ex_data), so OpenSSL's callback reads them without
/// touching the managed heap; a reload hangs a new block and leaves the old one (a few hundred bytes) in place,
/// since a handshake on another thread may still be reading it.
/// </summary>
internal static unsafe class SessionTicketKeys
{
    public const int NameLength = 16;
    private static readonly int ExIndex = LibSsl.CRYPTO_get_ex_new_index(LibSsl.ExIndexSslCtx, 0, 0, 0, 0, 0);

    [StructLayout(LayoutKind.Sequential)]
    private struct Key
    {
        public fixed byte Name[NameLength];
        public fixed byte Hmac[32];
        public fixed byte Aes[32];
        public int Length; // 16 (AES-128, from a 48-byte file) or 32 (AES-256, from an 80-byte file)
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct KeyBlock
    {
        public int Count;
        public int Reserved;
    }

    /// <summary>
    /// Reads the key files, as the certificates are read: at start-up and on every reload (so a reload rotates keys).
    /// A file that cannot be read, or is not 48 or 80 bytes, throws in nginx's words naming the directive.
    /// </summary>
    public static IReadOnlyList<byte[]> Read(IReadOnlyList<string> files) => files.Select(file =>
    {
        var bytes = TlsFileException.Read("ssl_session_ticket_key", file, File.ReadAllBytes);
        return bytes.Length is 48 or 80 ? bytes : throw new TlsFileException("ssl_session_ticket_key", file, $"\"{file}\" must be 48 or 80 bytes");
    }).ToList();

    /// <summary>Makes <paramref name="ctx"/> encrypt and decrypt tickets with these keys (none: OpenSSL's own per-process keys).</summary>
    public static void Install(nint ctx, IReadOnlyList<byte[]> files)
    {
        if (files.Count == 0)
        {
            LibSsl.SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, null);
            LibSsl.SSL_CTX_set_ex_data(ctx, ExIndex, 0);
            return;
        }
        var block = (KeyBlock*)NativeMemory.AllocZeroed((nuint)(sizeof(KeyBlock) + files.Count * sizeof(Key)));
        block->Count = files.Count;
        var keys = (Key*)(block + 1);
        for (var i = 0; i < files.Count; i++) Fill(ref keys[i], files[i]);
        if (LibSsl.SSL_CTX_set_ex_data(ctx, ExIndex, (nint)block) != 1 ||
            LibSsl.SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &Callback) != 1)
            throw new InvalidOperationException("ssl_session_ticket_key: OpenSSL refused the ticket key callback" + LibSsl.TakeErrors());
    }

    private static void Fill(ref Key key, byte[] file)
    {
        var size = file.Length == 48 ? 16 : 32;
        key.Length = size;
        fixed (byte* name = key.Name, hmac = key.Hmac, aes = key.Aes)
        {
            // nginx's layouts: 48 bytes are name, AES key, HMAC key; 80 bytes are name, HMAC key, AES key.
            var (hmacAt, aesAt) = size == 16 ? (NameLength + size, NameLength) : (NameLength, NameLength + size);
            file.AsSpan(0, NameLength).CopyTo(new Span<byte>(name, NameLength));
            file.AsSpan(hmacAt, size).CopyTo(new Span<byte>(hmac, size));
            file.AsSpan(aesAt, size).CopyTo(new Span<byte>(aes, size));
        }
    }

    /// <summary>
    /// OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb): encrypt (1) with the first key, or find
    /// the ticket's key by name to decrypt. Returns 1 (use), 2 (use, and issue a new ticket), 0 (unknown key: full
    /// handshake) or -1 (error). Called from native code: nothing here allocates or throws.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Callback(nint ssl, byte* name, byte* iv, nint cipherContext, nint macContext, int encrypt)
    {
        var block = (KeyBlock*)LibSsl.SSL_CTX_get_ex_data(LibSsl.SSL_get_SSL_CTX(ssl), ExIndex);
        if (block == null || block->Count == 0) return encrypt == 1 ? -1 : 0;
        var keys = (Key*)(block + 1);
        if (encrypt == 1)
        {
            var key = &keys[0];
            var cipher = key->Length == 16 ? LibSsl.EVP_aes_128_cbc() : LibSsl.EVP_aes_256_cbc();
            if (LibSsl.RAND_bytes(iv, LibSsl.EVP_CIPHER_get_iv_length(cipher)) != 1) return -1;
            if (LibSsl.EVP_EncryptInit_ex(cipherContext, cipher, 0, key->Aes, iv) != 1) return -1;
            if (!SetHmacKey(macContext, key)) return -1;
            new ReadOnlySpan<byte>(key->Name, NameLength).CopyTo(new Span<byte>(name, NameLength));
            return 1;
        }
        var ticketName = new ReadOnlySpan<byte>(name, NameLength);
        for (var i = 0; i < block->Count; i++)
        {
            var key = &keys[i];
            if (!ticketName.SequenceEqual(new ReadOnlySpan<byte>(key->Name, NameLength))) continue;
            var cipher = key->Length == 16 ? LibSsl.EVP_aes_128_cbc() : LibSsl.EVP_aes_256_cbc();
            if (!SetHmacKey(macContext, key)) return -1;
            if (LibSsl.EVP_DecryptInit_ex(cipherContext, cipher, 0, key->Aes, iv) != 1) return -1;
            // As nginx: a TLS 1.3 ticket is renewed on every use; one made with an older key is renewed with the
            // current one, so clients move to a rotated key while the old file still decrypts.
            return LibSsl.SSL_version(ssl) == LibSsl.Tls13Version || i != 0 ? 2 : 1;
        }
        return 0;
    }

    private static bool SetHmacKey(nint macContext, Key* key)
    {
        // "key", "digest" and "SHA256" are NUL-terminated literals in the assembly's data: fixed addresses.
        fixed (byte* keyName = "key\0"u8, digestName = "digest\0"u8, sha256 = "SHA256\0"u8)
        {
            var parameters = stackalloc LibSsl.OsslParam[3];
            parameters[0] = new LibSsl.OsslParam { Key = keyName, DataType = LibSsl.OsslParam.OctetString, Data = key->Hmac, DataSize = (nuint)key->Length, ReturnSize = nuint.MaxValue };
            parameters[1] = new LibSsl.OsslParam { Key = digestName, DataType = LibSsl.OsslParam.Utf8String, Data = sha256, DataSize = 6, ReturnSize = nuint.MaxValue };
            parameters[2] = default;
            return LibSsl.EVP_MAC_CTX_set_params(macContext, parameters) == 1;
        }
    }
}
