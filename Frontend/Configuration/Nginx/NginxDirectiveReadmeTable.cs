using System.Text;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// The README's table directive ↔ JSON key ↔ default, rendered from <see cref="NginxDirectives"/> so the two cannot
/// drift apart (a test checks that the README holds exactly this text).
/// </summary>
public static class NginxDirectiveReadmeTable
{
    public static string Render()
    {
        var table = new StringBuilder();
        table.Append("| Directive | Context | JSON key | Default | Notes |\n|---|---|---|---|---|\n");
        foreach (var directive in NginxDirectives.All)
        {
            var context = directive.Contexts switch
            {
                NginxContexts.Main => "main",
                NginxContexts.Server => "server",
                NginxContexts.MailAndServer => "mail, server",
                NginxContexts.Mail => "mail",
                NginxContexts.Events => "events",
                _ => "main, mail, server",
            };
            var key = directive.Status switch
            {
                NginxDirectiveStatus.Mapped when directive.ConfigurationKey.Contains(':') => $"`{directive.ConfigurationKey}`",
                NginxDirectiveStatus.Mapped when directive.Contexts == NginxContexts.Server => $"`Mail:Servers:N:{directive.ConfigurationKey}`",
                NginxDirectiveStatus.Mapped => $"`{directive.ConfigurationKey}`" + (directive.Repeatable || directive.Items ? " (array)" : ""),
                NginxDirectiveStatus.Block => $"`{(directive.Name == "mail" ? "Mail" : "Mail:Servers:N")}`",
                NginxDirectiveStatus.NotForMail => "accepted, reported at start-up, no effect",
                NginxDirectiveStatus.Warned => "accepted with a warning",
                NginxDirectiveStatus.Process => "honoured by the process",
                _ => "refused",
            };
            table.Append($"| `{directive.Name}` | {context} | {key} | {directive.Default ?? ""} | {(directive.Note ?? "").Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }
        return table.ToString();
    }
}
