namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// One proxied session holding a slot under the concurrent-session limits (README "Session limits"). The login grain
/// hands it out with an allowed <see cref="LoginDecision"/>; the front end that runs the session renews it well
/// before <see cref="LoginDecision.SessionLeaseTtl"/> runs out and releases it when the session ends. A lease nobody
/// renews expires, so the slots of a front end that died free up by themselves. It carries everything needed to
/// register it again (a renewal the grain does not know, after a silo crash, re-registers it), and nothing secret:
/// the admin API shows it as is.
/// </summary>
/// <param name="LeaseId">Random, unique per session.</param>
/// <param name="Login">The key of the login's grain (<see cref="LoginGrainKey"/>: the normalised login), which renews and releases it.</param>
/// <param name="ClientAddress">The client's address (after PROXY protocol, as the auth server saw it).</param>
/// <param name="Protocol">The session's protocol.</param>
/// <param name="FrontEnd">Which front end process runs the session (<see cref="LoginAttempt.FrontEnd"/>).</param>
/// <param name="Started">When the slot was granted.</param>
[GenerateSerializer, Immutable, Alias("mail.SessionLease")]
public sealed record SessionLease(
    [property: Id(0)] string LeaseId,
    [property: Id(1)] string Login,
    [property: Id(2)] string ClientAddress,
    [property: Id(3)] MailProtocol Protocol,
    [property: Id(4)] string FrontEnd,
    [property: Id(5)] DateTimeOffset Started);
