using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// What the OAuth end-to-end test classes share: the <see cref="OAuthProxyFixture"/>, whose auth server answers with its
/// default unless a test set its own answer (<see cref="OAuthProxyFixture.UseOwnErrorJson"/>) for as long as it runs.
/// </summary>
[Collection(OAuthProxyCollection.Name)]
public abstract class OAuthProxyTestBase
{
    protected OAuthProxyTestBase(OAuthProxyFixture fixture)
    {
        Fixture = fixture;
    }

    /// <summary>The shared proxy and servers.</summary>
    protected OAuthProxyFixture Fixture { get; }

    /// <summary>The auth server, Dovecot and Postfix.</summary>
    protected OAuthBackends Backends => Fixture.Backends;

    /// <summary>The test's cancellation token.</summary>
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>How many auth requests and introspections of the valid token there were so far.</summary>
    protected (int AuthRequests, int Introspections) Counts() =>
        (Fixture.Auth.RequestCount, Backends.Auth.Introspection.TimesIntrospected(Backends.Token));

    /// <summary>
    /// After a successful login: the auth server was asked once about <paramref name="mechanism"/> with the user and the
    /// token, the upstream checked that very token once more (Dovecot's introspection: the proxy passed it on), and the
    /// proxy logged no part of it.
    /// </summary>
    protected void AssertTokenPassedOn((int AuthRequests, int Introspections) before, string mechanism, string protocol)
    {
        Fixture.AssertAskedAbout(before.AuthRequests, mechanism, protocol, Backends.Token);
        Assert.Equal(before.Introspections + 1, Backends.Auth.Introspection.TimesIntrospected(Backends.Token));
        Fixture.AssertNeverLogged(Backends.Token);
    }

    /// <summary>
    /// After a refused login: the auth server was asked once about <paramref name="wrong"/>, which never reached the
    /// upstream (no introspection), and the proxy logged no part of it.
    /// </summary>
    protected void AssertRefusedByTheAuthServer(int authRequestsBefore, string mechanism, string protocol, string wrong)
    {
        Fixture.AssertAskedAbout(authRequestsBefore, mechanism, protocol, wrong);
        Assert.Equal(0, Backends.Auth.Introspection.TimesIntrospected(wrong));
        Fixture.AssertNeverLogged(wrong);
    }
}
