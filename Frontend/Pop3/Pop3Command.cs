namespace OrleansMail.Frontend.Pop3;

/// <summary>One parsed POP3 command: its name (one of the constants here, upper case) and its arguments.</summary>
internal sealed record Pop3Command(string Name, string[] Arguments)
{
    public const string User = "USER";
    public const string Pass = "PASS";
    public const string Apop = "APOP";
    public const string Auth = "AUTH";
    public const string Capa = "CAPA";
    public const string Noop = "NOOP";
    public const string Quit = "QUIT";
    public const string Stls = "STLS";
}
