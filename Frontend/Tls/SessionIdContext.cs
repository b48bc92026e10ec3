using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The session ID context OpenSSL stamps on every session and checks on resumption, by ID or ticket: computed as
/// nginx's ngx_ssl_session_id_context (src/event/ngx_event_openssl.c) so a session resumes on any node serving the
/// same certificates, nginx included. SHA-1 over "MAIL" (src/mail/ngx_mail_ssl_module.c), the SHA-1 of each server
/// certificate, newest configured first (nginx chains them that way), and the SHA-1 of each client CA's name sent to
/// clients (ssl_client_certificate). .NET would otherwise set 32 random bytes per process, and no session could
/// resume on another node.
/// </summary>
internal static class SessionIdContext
{
    public static byte[] Compute(IEnumerable<X509Certificate2> serverCertificates, IEnumerable<X509Certificate2> clientAuthorities)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData("MAIL"u8);
        foreach (var certificate in serverCertificates.Reverse()) hash.AppendData(SHA1.HashData(certificate.RawData));
        foreach (var authority in clientAuthorities) hash.AppendData(SHA1.HashData(authority.SubjectName.RawData));
        return hash.GetHashAndReset();
    }
}
