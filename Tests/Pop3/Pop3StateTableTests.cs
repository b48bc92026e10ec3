using OrleansMail.Frontend.Pop3;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Pop3;

/// <summary>
/// <see cref="Pop3StateTable"/> as data: for every state and every pre-login command, the action and next state it
/// allows, or the uniform <c>-ERR invalid command</c> and whether max_errors counts it (ngx_mail_pop3_auth_state in
/// src/mail/ngx_mail_pop3_handler.c). The replies on the wire are proven by the POP3 transcript tests against Dovecot
/// (Tests/EndToEnd/Pop3TranscriptTests, Pop3BadInputTests).
/// </summary>
public sealed class Pop3StateTableTests
{
    private const string Refused = "refused, uncounted";

    private static readonly string[] Commands =
        [Pop3Command.Capa, Pop3Command.Noop, Pop3Command.Quit, Pop3Command.Stls, Pop3Command.User, Pop3Command.Pass, Pop3Command.Apop, Pop3Command.Auth];

    private static readonly Dictionary<Pop3State, Dictionary<string, string>> Expected = new()
    {
        [Pop3State.Start] = new()
        {
            ["CAPA"] = "Capa -> Start", ["NOOP"] = "Noop -> Start", ["QUIT"] = "Quit -> Start", ["STLS"] = "Stls -> Start",
            ["USER"] = "User -> UserGiven", ["PASS"] = Refused, ["APOP"] = "Apop -> Start", ["AUTH"] = "Auth -> Start",
        },
        [Pop3State.UserGiven] = new()
        {
            ["CAPA"] = "Capa -> UserGiven", ["NOOP"] = "Noop -> UserGiven", ["QUIT"] = "Quit -> UserGiven", ["STLS"] = "refused, counted",
            ["USER"] = Refused, ["PASS"] = "Pass -> Start", ["APOP"] = Refused, ["AUTH"] = Refused,
        },
    };

    private static string Describe(Pop3State state, string command) =>
        Pop3StateTable.Find(state, command) is { } transition ? $"{transition.Action} -> {transition.Next}"
            : Pop3StateTable.RefusalCounts(command) ? "refused, counted" : Refused;

    [Fact]
    public void EveryStateAndCommandIsAllowedOrRefused() => StateTableAssert.MatchesRows(Expected, Commands, Describe);

    [Fact]
    public void EveryActionIsReachableAndEveryStateEntered() =>
        StateTableAssert.EveryActionReachableAndEveryStateEntered<Pop3State, Pop3Action>(Commands, Pop3StateTable.Find);
}
