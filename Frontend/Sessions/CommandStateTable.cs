using System.Collections.Frozen;

namespace OrleansMail.Frontend.Sessions;

/// <summary>A command a state allows: what the session does, and the state it is in once that succeeds.</summary>
internal readonly record struct Transition<TState, TAction>(TAction Action, TState Next)
    where TState : struct, Enum
    where TAction : struct, Enum;

/// <summary>
/// One protocol's commands before login, state by state (after SmtpServer's SmtpStateTable): each state lists the
/// commands it allows and the state each leads to, so the allowed sequences read in one place and are tested as data.
/// Built once per protocol (ImapStateTable, Pop3StateTable, SmtpStateTable); what a command outside the table gets
/// is each protocol's own rule.
/// </summary>
internal sealed class CommandStateTable<TState, TAction>
    where TState : struct, Enum
    where TAction : struct, Enum
{
    private readonly FrozenDictionary<TState, FrozenDictionary<string, Transition<TState, TAction>>> _table;

    /// <param name="common">The commands every state allows; a null next state leaves the state as it is.</param>
    /// <param name="own">Each state's own commands, which take precedence over the common ones.</param>
    public CommandStateTable(
        IReadOnlyList<(string Command, TAction Action, TState? Next)> common,
        IReadOnlyDictionary<TState, (string Command, TAction Action, TState Next)[]> own)
    {
        _table = Enum.GetValues<TState>().ToFrozenDictionary(state => state, state =>
        {
            var commands = common.ToDictionary(c => c.Command, c => new Transition<TState, TAction>(c.Action, c.Next ?? state));
            foreach (var (command, action, next) in own.GetValueOrDefault(state, [])) commands[command] = new(action, next);
            return commands.ToFrozenDictionary();
        });
    }

    /// <summary>The transition for <paramref name="command"/> (an upper-case name) in <paramref name="state"/>; null when not allowed.</summary>
    public Transition<TState, TAction>? Find(TState state, string command) =>
        _table[state].TryGetValue(command, out var transition) ? transition : null;
}
