using OrleansMail.Frontend.Sessions;

namespace OrleansMail.Tests.Support;

/// <summary>
/// The checks each protocol's state-table test makes (Tests/Imap, Tests/Pop3, Tests/Smtp *StateTableTests): the table
/// read as data, state by state and command by command, against the rows the test writes out.
/// </summary>
internal static class StateTableAssert
{
    /// <summary>Every state has its expected row, and every command in every state is described as that row says.</summary>
    public static void MatchesRows<TState>(IReadOnlyDictionary<TState, Dictionary<string, string>> expected, IReadOnlyList<string> commands,
        Func<TState, string, string> describe) where TState : struct, Enum
    {
        Assert.Equal(Enum.GetValues<TState>(), expected.Keys.Order());
        foreach (var state in Enum.GetValues<TState>())
        {
            foreach (var command in commands)
                Assert.True(expected[state][command] == describe(state, command), $"{state} {command}: {describe(state, command)}");
        }
    }

    /// <summary>Some command in some state runs each action, and each state is entered by some transition.</summary>
    public static void EveryActionReachableAndEveryStateEntered<TState, TAction>(IReadOnlyList<string> commands,
        Func<TState, string, Transition<TState, TAction>?> find) where TState : struct, Enum where TAction : struct, Enum
    {
        var transitions = Enum.GetValues<TState>().SelectMany(state => commands.Select(command => find(state, command)))
            .Where(t => t.HasValue).Select(t => t!.Value).ToList();
        Assert.Equal(Enum.GetValues<TAction>(), transitions.Select(t => t.Action).Distinct().Order());
        Assert.Equal(Enum.GetValues<TState>(), transitions.Select(t => t.Next).Distinct().Order());
    }
}
