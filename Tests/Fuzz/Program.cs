using OrleansMail.Fuzz.Harness;
using SharpFuzz;

// Usage (README "Fuzzing"):
//   Fuzz TARGET              under afl-fuzz: runs inputs in a loop (AFL persistent mode); alone: one input from stdin
//   Fuzz TARGET PATH...      replays files (or every file of a folder) and reports the first that breaks an invariant
//   Fuzz TARGET --measure PATH...  replays, printing the most each parse allocated instead of checking the bounds
//   Fuzz --list              the target names
if (args is ["--list"])
{
    foreach (var t in FuzzTargets.All) Console.WriteLine(t.Name);
    return 0;
}
if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"usage: Fuzz TARGET [PATH...]; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}
if (args.Length > 2 && args[1] == "--measure")
{
    Invariant.Measured = [];
    var status = Replay.Files(target, args[2..]);
    foreach (var (parse, samples) in Invariant.Measured)
    {
        // For a few fixed allowances, the largest number of bytes per input byte the rest needs.
        var perByte = string.Join(", ", ((long[])[256, 1024, 4096, 16384]).Select(f => $"{f} + {samples.Max(s => (double)Math.Max(0, s.Allocated - f) / Math.Max(1, s.Length)):F1}/byte"));
        Console.WriteLine($"{parse}: {samples.Count} parses, at most {samples.Max(s => s.Allocated)} bytes; {perByte}");
    }
    return status;
}
if (args.Length > 1) return Replay.Files(target, args[1..]);

// The first input warms the parser up first (static tables, JIT, pooled arrays), so allocation checks see steady state.
// Not before Fuzzer.Run: instrumented code may only run once SharpFuzz has mapped AFL's shared memory.
var warm = false;
Fuzzer.Run(stream =>
{
    if (!warm) { Warmup.Run(target); warm = true; }
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    try
    {
        CheckedRun.Run(target, copy.GetBuffer().AsMemory(0, (int)copy.Length));
    }
    catch (Exception e) when (Environment.GetEnvironmentVariable("FUZZ_FAILURE_LOG") is { } log)
    {
        // AFL keeps the input, not the exception: fuzz.sh names this file so the reason is kept too.
        File.AppendAllText(log, $"{Convert.ToHexString(copy.GetBuffer().AsSpan(0, (int)copy.Length))}\n{e}\n\n");
        throw;
    }
});
return 0;
