using BenchmarkDotNet.Attributes;
using OrleansMail.Frontend.Sasl;

namespace OrleansMail.Micro;

/// <summary>SASL decoding of a client response; the two strings of the credentials are the values kept.</summary>
[MemoryDiagnoser]
public class SaslBenchmarks
{
    // base64("\0alice@example.com\0secret")
    private const string PlainResponse = "AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==";

    // base64("alice@example.com"): one step of AUTHENTICATE LOGIN
    private const string LoginStep = "YWxpY2VAZXhhbXBsZS5jb20=";

    [Benchmark]
    public object? DecodePlain() => SaslDecoder.TryDecodePlain(PlainResponse, out var credentials) ? credentials : null;

    [Benchmark]
    public string DecodeLoginStep() => SaslDecoder.TryDecodeText(LoginStep, out var text) ? text : "";
}
