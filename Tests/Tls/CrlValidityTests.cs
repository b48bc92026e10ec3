using Microsoft.Extensions.Time.Testing;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Tls;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// One CRL judged at different moments on virtual time: current between thisUpdate and nextUpdate, then "CRL has
/// expired" once nextUpdate passes, as OpenSSL's check_crl_time (crypto/x509/x509_vfy.c); and "CRL is not yet valid"
/// before thisUpdate. The proxy judges with its injected clock, so a list that goes stale while the proxy runs is
/// refused from that moment on.
/// </summary>
public sealed class CrlValidityTests : IDisposable
{
    private readonly TestCertificates _pki = TestCertificates.Create();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public void AListIsCurrentUntilItsNextUpdateThenHasExpired()
    {
        var verifier = Verifier(_pki.CrlFile);
        using var client = _pki.Client("client");
        Assert.Equal(new ClientCertificateCheck(ClientCertificateOutcome.Accepted, "SUCCESS"), verifier.Check(client, null));

        _time.Advance(TimeSpan.FromDays(8));

        Assert.Equal(new ClientCertificateCheck(ClientCertificateOutcome.Bad, "FAILED:CRL has expired"), verifier.Check(client, null));
    }

    [Fact]
    public void AListIssuedLaterIsNotYetValidUntilItsThisUpdate()
    {
        var verifier = Verifier(_pki.FutureCrlFile);
        using var client = _pki.Client("client");
        Assert.Equal(new ClientCertificateCheck(ClientCertificateOutcome.Bad, "FAILED:CRL is not yet valid"), verifier.Check(client, null));

        _time.Advance(TimeSpan.FromDays(2));

        Assert.Equal(new ClientCertificateCheck(ClientCertificateOutcome.Accepted, "SUCCESS"), verifier.Check(client, null));
    }

    private ClientCertificateVerifier Verifier(string crl) =>
        new(TlsSettings.None with { VerifyClient = ClientCertificateMode.On, ClientCertificateAuthorities = _pki.CaFile, CrlFile = crl }, _time);

    public void Dispose() => _pki.Dispose();
}
