using BenchmarkDotNet.Running;

namespace OrleansMail.Micro;

/// <summary>
/// Every BenchmarkDotNet option works: <c>--filter '*Imap*'</c>, <c>--job short</c> for a quick check,
/// <c>--list flat</c> to see the names. See RESULTS.md.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
