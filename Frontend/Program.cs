using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Grains.Hosting;

// The Frontend process: mail listeners (TLS, protocol parsing up to login, relay) and an Orleans client.
// With no Cluster:Mode configured it hosts a silo in-process, so this one process is a complete proxy.
// Configuration: --config FILE (JSON) or nginx's -c FILE, with nginx's -t, -T, -p, -g and -s (NginxCommandLine).
NginxCommandLine command;
try
{
    command = NginxCommandLine.Parse(args);
    if (command.Signal is { } signal)
    {
        if (command.ConfigFile is null)
        {
            Console.Error.WriteLine($"orleansmail: [error] -s {signal} needs -c FILE: the pid file is named by its \"pid\" directive");
            return 1;
        }
        return NginxProcessSignals.Send(NginxConfiguration.Load(command), signal, Console.Error);
    }
}
catch (Exception e) when (e is InvalidConfigurationException or NginxConfigurationException)
{
    Console.Error.WriteLine($"orleansmail: [emerg] {e.Message}");
    return 1;
}

var described = command.ConfigFile ?? "(JSON configuration)";
Microsoft.AspNetCore.Builder.WebApplication app;
try
{
    app = MailProxyApplication.Build(args);
}
catch (Exception e) when (e is InvalidConfigurationException or NginxConfigurationException)
{
    Console.Error.WriteLine(command.ConfigFile is null ? e.Message : $"orleansmail: [emerg] {e.Message}");
    OrleansMail.Frontend.Logging.StartupErrorLog.Append(command, "emerg", e.Message);
    if (command.Test) Console.Error.WriteLine($"orleansmail: configuration file {described} test failed");
    return 1;
}

if (command.Test)
{
    // nginx -t / -T: the verdict on stderr; -T also dumps every file read, includes in reading order, on stdout.
    Console.Error.WriteLine($"orleansmail: the configuration file {described} syntax is ok");
    Console.Error.WriteLine($"orleansmail: configuration file {described} test is successful");
    if (command.Dump && app.Services.GetService<NginxConfiguration>() is { } nginx)
    {
        foreach (var file in nginx.Parsed.Files)
        {
            Console.Out.WriteLine($"# configuration file {file.Path}:");
            Console.Out.WriteLine(file.Text);
        }
    }
    await app.DisposeAsync();
    return 0;
}

await app.RunAsync();
return 0;
