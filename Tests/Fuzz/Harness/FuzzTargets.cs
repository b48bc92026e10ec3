using OrleansMail.Fuzz.Targets;

namespace OrleansMail.Fuzz.Harness;

/// <summary>Every target, by the name fuzz.sh, the corpus folders and the replay tests use.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new ImapCommandTarget(),
        new Pop3LineTarget(),
        new SmtpLineTarget(),
        new SaslTarget(),
        new AuthHttpResponseTarget(),
        new ProxyHeaderTarget(),
        new ClientHelloTarget(),
        new NginxConfigurationTarget(),
        new XclientTarget(),
    ];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
