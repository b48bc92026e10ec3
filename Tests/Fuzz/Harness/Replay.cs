namespace OrleansMail.Fuzz.Harness;

/// <summary>Runs saved inputs through a target outside AFL: to reproduce a crash, and for the corpus replay tests.</summary>
internal static class Replay
{
    /// <summary>Every file named, or in a folder named (recursively); 0 when all pass, 1 at the first failure.</summary>
    public static int Files(IFuzzTarget target, IEnumerable<string> paths)
    {
        Warmup.Run(target);
        var count = 0;
        foreach (var file in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order() : (IEnumerable<string>)[p]))
        {
            var input = File.ReadAllBytes(file);
            try
            {
                CheckedRun.Run(target, input);
                count++;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{target.Name}: {file} ({input.Length} bytes) fails: {e}");
                Console.Error.WriteLine($"input (hex): {Convert.ToHexString(input)}");
                return 1;
            }
        }
        Console.WriteLine($"{target.Name}: {count} inputs pass");
        return 0;
    }
}
