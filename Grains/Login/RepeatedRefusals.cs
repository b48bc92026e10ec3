namespace OrleansMail.Grains.Login;

/// <summary>
/// The questions (keyed hashes of every input of an auth request, see <see cref="AuthQuestion"/>) the auth server
/// refused for one login from one address prefix, each refused again locally until its time: a client repeating one
/// wrong password costs the auth server one call per window instead of one per attempt. Persisted with the login's
/// throttling state, so a deactivation does not hand the attacker a fresh allowance.
/// </summary>
[GenerateSerializer, Alias("mail.RepeatedRefusals")]
public sealed class RepeatedRefusals
{
    /// <summary>A prefix sends a handful of distinct wrong passwords before the threshold locks it; more is a storm.</summary>
    private const int MaxEntries = 64;

    [Id(0)] public List<RepeatedRefusal> Entries { get; set; } = [];

    /// <summary>Drops entries whose time has passed; true when something was dropped.</summary>
    public bool Prune(DateTimeOffset now) => Entries.RemoveAll(e => e.Until <= now) > 0;

    /// <summary>Whether <paramref name="question"/> is still refused locally at <paramref name="now"/>.</summary>
    public bool Refuses(byte[] question, DateTimeOffset now) =>
        Entries.Exists(e => now < e.Until && e.Question.AsSpan().SequenceEqual(question));

    /// <summary>Refuses <paramref name="question"/> locally until <paramref name="until"/> (replacing an earlier time).</summary>
    public void Add(byte[] question, DateTimeOffset until)
    {
        Entries.RemoveAll(e => e.Question.AsSpan().SequenceEqual(question));
        if (Entries.Count >= MaxEntries) Entries.RemoveAt(0);
        Entries.Add(new RepeatedRefusal(question, until));
    }
}

/// <summary>One refused question and until when it is refused locally.</summary>
[GenerateSerializer, Immutable, Alias("mail.RepeatedRefusal")]
public sealed record RepeatedRefusal([property: Id(0)] byte[] Question, [property: Id(1)] DateTimeOffset Until);
