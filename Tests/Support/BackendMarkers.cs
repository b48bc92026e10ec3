using System.Globalization;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace OrleansMail.Tests.Support;

/// <summary>
/// Tells which of several upstream Dovecots a proxied session reached: each backend's INBOX holds one marker message
/// per user, subject "backend-N" for backend N.
/// </summary>
public static class BackendMarkers
{
    private const string Prefix = "backend-";

    /// <summary>Puts backend <paramref name="index"/>'s marker into each user's INBOX there.</summary>
    public static async Task AppendAsync(DovecotServer backend, int index, IEnumerable<string> users)
    {
        foreach (var user in users)
            await backend.AppendAsync(user, new MimeMessage([new MailboxAddress("", "pool@example.test")], [new MailboxAddress("", user + "@example.test")],
                Prefix + index.ToString(CultureInfo.InvariantCulture), new TextPart("plain") { Text = "which backend" }));
    }

    /// <summary>The index of the backend a logged-in session (INBOX open) reached.</summary>
    public static async Task<int> BackendOfAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, cancellationToken);
        var subject = Assert.Single(summaries).Envelope!.Subject!;
        return int.Parse(subject[Prefix.Length..], CultureInfo.InvariantCulture);
    }
}
