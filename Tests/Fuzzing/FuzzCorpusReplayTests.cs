using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Tests.Fuzzing;

/// <summary>
/// Every committed fuzz input through its target's invariant checks, the same code AFL runs (Tests/Fuzz): the seed
/// corpus (Tests/Fuzz/corpus/TARGET) and each crash found and fixed (Tests/Fuzz/regressions/TARGET), so the normal
/// test run proves every fixed crash stays fixed. README "Fuzzing".
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    public static TheoryData<string> Targets => new(FuzzTargets.All.Select(t => t.Name));

    private static string Folder(string kind, string target) =>
        Path.Combine(Support.DotnetAppProcess.SolutionDirectory(), "Tests", "Fuzz", kind, target);

    [Theory]
    [MemberData(nameof(Targets))]
    public void EverySeedPassesTheInvariants(string target) => Replay(target, "corpus", atLeast: 5);

    [Theory]
    [InlineData("proxy-header")]
    [InlineData("nginx-config")]
    [InlineData("xclient")]
    public void EveryFixedCrashStaysFixed(string target) => Replay(target, "regressions", atLeast: 1);

    [Fact]
    public void EveryTargetHasASeedCorpusAndEveryRegressionFolderATarget()
    {
        var root = Path.Combine(Support.DotnetAppProcess.SolutionDirectory(), "Tests", "Fuzz");
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(), Directory.GetDirectories(Path.Combine(root, "corpus")).Select(Path.GetFileName).Order());
        Assert.All(Directory.GetDirectories(Path.Combine(root, "regressions")), d => Assert.NotNull(FuzzTargets.Find(Path.GetFileName(d))));
    }

    private static void Replay(string name, string kind, int atLeast)
    {
        var target = FuzzTargets.Find(name)!;
        Warmup.Run(target);
        var files = Directory.GetFiles(Folder(kind, name), "*", SearchOption.AllDirectories).Order().ToList();
        Assert.True(files.Count >= atLeast, $"{kind}/{name} has {files.Count} inputs");
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            var failure = Record.Exception(() => CheckedRun.Run(target, input));
            Assert.True(failure is null, $"{Path.GetFileName(file)}: {failure}");
        }
    }
}
