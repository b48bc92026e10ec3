namespace OrleansMail.Frontend.Connections;

/// <summary>
/// When the listener accepted the connection (a <see cref="TimeProvider"/> timestamp), set before anything is read: the
/// session counts <c>login_timeout</c> from here (README: "from accept to logged in"), so the time a client spends on a
/// PROXY header, which the session never sees, is part of that deadline too; its closing line and the login duration
/// are measured from here as well.
/// </summary>
internal sealed record AcceptedAt(long Timestamp);
