using System.Net.Security;
using System.Text;
using OrleansMail.Frontend.Tls;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// <see cref="OpenSslCipherString"/> on an <c>ssl_ciphers</c> value. A string it cannot use is refused with
/// <see cref="FormatException"/> (the startup error); any other exception is a crash. What it accepts lists the TLS
/// 1.3 suites first, then distinct TLS 1.2 suites; and the list written back as OpenSSL names, joined by <c>:</c>,
/// evaluates to the same list in the same order (OpenSSL's ciphers(1): a list of names is taken as it is).
/// </summary>
internal sealed class CipherStringTarget : IFuzzTarget
{
    public string Name => "cipher-string";

    public void Run(ReadOnlyMemory<byte> input)
    {
        var text = Encoding.UTF8.GetString(input.Span);
        IReadOnlyList<TlsCipherSuite> suites;
        var before = GC.GetAllocatedBytesForCurrentThread();
        try { suites = OpenSslCipherString.Evaluate(text); }
        catch (FormatException) { return; }
        finally
        {
            // Per element: the split strings, one set of matching suites per keyword (the catalogue is fixed); measured
            // worst 16 KB + 369 bytes a character. The fixed part also covers the FormatException of a refused string,
            // whose throw now and then cost 36 KB in the instrumented process under AFL.
            Invariant.AllocationBounded(GC.GetAllocatedBytesForCurrentThread() - before, text.Length, 65536, 512, "OpenSslCipherString.Evaluate");
        }

        Invariant.That(suites.Count > 3, "an accepted string selected no TLS 1.2 suite");
        Invariant.Equal(suites.Count, suites.Distinct().Count(), "a suite listed twice");
        var tls12 = suites.Skip(3).ToList();
        var names = string.Join(':', tls12.Select(OpenSslCipherString.OpenSslName));
        Invariant.Equal(string.Join(',', suites), string.Join(',', OpenSslCipherString.Evaluate(names)), $"the selected list {names} evaluates differently");
    }
}
