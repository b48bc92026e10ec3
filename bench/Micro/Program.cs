using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace OrleansMail.Micro;

/// <summary>
/// Every BenchmarkDotNet option works: <c>--filter '*Imap*'</c>, <c>--job short</c> for a quick check,
/// <c>--list flat</c> to see the names. See RESULTS.md.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // BenchmarkDotNet rebuilds the project and its references (Orleans code generation included) in its own
        // folder; on a busy 2-core machine that takes longer than its default two-minute limit.
        var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
