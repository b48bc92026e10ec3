using System.Text;

namespace OrleansMail.Fuzz.Harness;

/// <summary>
/// Runs a target a few times before measuring anything: the first calls of a parser pay for its static tables, the
/// JIT and the thread's first pooled arrays of each size, which are the process's cost, not the input's.
/// </summary>
internal static class Warmup
{
    public static void Run(IFuzzTarget target)
    {
        var measured = Invariant.Measured;
        Invariant.Measured = null;
        // Lengths 16, 32, … 8192 too: the first array ArrayPool hands out of each size is allocated then, once a process.
        string[] texts = ["", "a", "A1 LOGIN alice secret\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", .. Enumerable.Range(4, 10).Select(k => new string('x', 1 << k))];
        foreach (var text in texts)
        {
            for (var i = 0; i < 3; i++)
            {
                try { target.Run(Encoding.UTF8.GetBytes(text)); }
                catch (InvariantViolationException) { }
            }
        }
        Invariant.Measured = measured;
    }
}
