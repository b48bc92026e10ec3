using OrleansMail.Frontend.Hosting;
using OrleansMail.Grains.Hosting;

// The Frontend process: mail listeners (TLS, protocol parsing up to login, relay) and an Orleans client.
// With no Cluster:Mode configured it hosts a silo in-process, so this one process is a complete proxy.
Microsoft.AspNetCore.Builder.WebApplication app;
try
{
    app = MailProxyApplication.Build(args);
}
catch (InvalidConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

await app.RunAsync();
return 0;
