using OrleansMail.Frontend.Configuration.Nginx;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>Writes nginx configuration texts to a temp folder and loads them as <c>-c FILE</c> does.</summary>
public sealed class NginxConfigurationFiles : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("nginx-conf-").FullName;

    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public NginxConfiguration Load(string text, params string[] arguments) =>
        NginxConfiguration.Load(NginxCommandLine.Parse(["-c", Write("nginx.conf", text), "-p", Directory, .. arguments]));

    public NginxConfigurationException Refused(string text) =>
        Assert.Throws<NginxConfigurationException>(() => Load(text).ReadServers());

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    /// <summary>The example nginx mail configuration of deploy/examples/nginx-mail.conf as first printed (no ";" after
    /// worker_processes auto).</summary>
    public const string Seed = """
        worker_processes auto

        mail {
            server_name mail.example.com;
            auth_http   localhost:9000/cgi-bin/nginxauth.cgi;

            proxy_pass_error_message on;

            ssl                 on;
            ssl_certificate     /etc/ssl/certs/server.crt;
            ssl_certificate_key /etc/ssl/certs/server.key;
            ssl_protocols       TLSv1 TLSv1.1 TLSv1.2;
            ssl_ciphers         HIGH:!aNULL:!MD5;
            ssl_session_cache   shared:SSL:10m;
            ssl_session_timeout 10m;

            server {
                listen     25;
                protocol   smtp;
                smtp_auth  login plain cram-md5;
            }

            server {
                listen    110;
                protocol  pop3;
                pop3_auth plain apop cram-md5;
            }

             server {
                listen   143;
                protocol imap;
            }
        }

        """;

    public static string FixedSeed => Seed.Replace("worker_processes auto\n", "worker_processes auto;\n", StringComparison.Ordinal);
}
