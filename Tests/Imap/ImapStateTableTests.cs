using OrleansMail.Frontend.Imap;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Imap;

/// <summary>
/// <see cref="ImapStateTable"/> as data: for every state and every command the pre-login parser knows, the action and
/// next state it allows, or none (the session then answers <c>BAD invalid command</c>, counted). The replies on the
/// wire are proven by the IMAP transcript tests against Dovecot (Tests/EndToEnd/ImapTranscriptTests, ImapBadInputTests).
/// </summary>
public sealed class ImapStateTableTests
{
    private static readonly string[] Commands = ["CAPABILITY", "NOOP", "LOGOUT", "ID", "STARTTLS", "LOGIN", "AUTHENTICATE", "SELECT"];

    private static readonly Dictionary<ImapState, Dictionary<string, string>> Expected = new()
    {
        [ImapState.NotAuthenticated] = new()
        {
            ["CAPABILITY"] = "Capability -> NotAuthenticated", ["NOOP"] = "Noop -> NotAuthenticated", ["LOGOUT"] = "Logout -> Logout",
            ["ID"] = "Id -> NotAuthenticated", ["STARTTLS"] = "StartTls -> NotAuthenticated", ["LOGIN"] = "Login -> NotAuthenticated",
            ["AUTHENTICATE"] = "Authenticate -> NotAuthenticated", ["SELECT"] = "refused",
        },
        [ImapState.Logout] = Commands.ToDictionary(command => command, _ => "refused"),
    };

    private static string Describe(ImapState state, string command) =>
        ImapStateTable.Find(state, command) is { } transition ? $"{transition.Action} -> {transition.Next}" : "refused";

    [Fact]
    public void EveryStateAndCommandIsAllowedOrRefused() => StateTableAssert.MatchesRows(Expected, Commands, Describe);

    [Fact]
    public void EveryActionIsReachableAndEveryStateEntered() =>
        StateTableAssert.EveryActionReachableAndEveryStateEntered<ImapState, ImapAction>(Commands, ImapStateTable.Find);
}
