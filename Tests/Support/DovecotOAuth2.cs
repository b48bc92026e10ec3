namespace OrleansMail.Tests.Support;

/// <summary>
/// Turns on Dovecot's XOAUTH2 and OAUTHBEARER mechanisms with its oauth2 passdb, which checks each token at an RFC 7662
/// introspection endpoint (<see cref="TokenIntrospection"/>, served by <see cref="TestAuthServer"/>):
/// <c>introspection_mode = post</c>, the user from the <c>username</c> field, a token valid only when <c>active</c> is
/// <c>true</c> (Dovecot 2.3's "Open Authentication v2.0 database" documentation). Dovecot then requires the user the
/// client named (XOAUTH2 <c>user=</c>, OAUTHBEARER <c>a=</c>) to equal that <c>username</c>, and refuses a bad token with
/// the RFC 7628 §3.2.2 JSON challenge. The passwd-file passdb stays, for PLAIN and LOGIN only.
/// </summary>
/// <param name="IntrospectionUrl">The endpoint, e.g. <see cref="TestAuthServer.IntrospectionUrl"/>.</param>
public sealed record DovecotOAuth2(string IntrospectionUrl)
{
    /// <summary>The settings file the passdb's <c>args</c> names.</summary>
    public const string SettingsFileName = "dovecot-oauth2.conf.ext";

    /// <summary>Writes the settings file into <paramref name="directory"/>; returns the passdb block for dovecot.conf.</summary>
    internal string WritePassdb(string directory)
    {
        var path = Path.Combine(directory, SettingsFileName);
        File.WriteAllText(path, $"""
            introspection_mode = post
            introspection_url = {IntrospectionUrl}
            username_attribute = username
            active_attribute = active
            active_value = true

            """);
        return $$"""
            passdb {
              driver = oauth2
              mechanisms = xoauth2 oauthbearer
              args = {{path}}
            }
            """;
    }
}
