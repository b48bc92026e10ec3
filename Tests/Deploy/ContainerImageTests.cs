using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// The images cannot be built here (no container runtime, no registry), so their recipes are checked against what is:
/// Silo/Dockerfile and Frontend/Dockerfile expose exactly the Deployment's container ports, their health checks ask
/// /health/live on the health port, they run the projects' own dll as the non-root user on the ASP.NET 10 runtime,
/// the Frontend's default arguments are the Deployment's, every path they copy exists, and the SDK container
/// properties of each project publish the same ports.
/// </summary>
public sealed partial class ContainerImageTests
{
    [Theory]
    [InlineData("Silo")]
    [InlineData("Frontend")]
    public async Task TheDockerfileAgreesWithTheDeploymentAndTheProject(string project)
    {
        var m = await RenderedManifests.GetAsync();
        var deployment = project == "Silo" ? m.Silo : m.Frontend;
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        var lines = Instructions(File.ReadAllText(Path.Combine(DeployTools.Repository, project, "Dockerfile")));

        var ports = container.Ports.Select(p => p.ContainerPort).Order().ToArray();
        var exposed = lines.Where(l => l.Instruction == "EXPOSE").SelectMany(l => l.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).Order().ToArray();
        Assert.Equal(ports, exposed);

        var health = Assert.Single(container.Ports, p => p.Name == "health").ContainerPort;
        var check = Assert.Single(lines, l => l.Instruction == "HEALTHCHECK").Arguments;
        Assert.Contains($"/dev/tcp/127.0.0.1/{health}", check, StringComparison.Ordinal);
        Assert.Contains("GET /health/live", check, StringComparison.Ordinal);

        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0 AS build", lines.First(l => l.Instruction == "FROM").Arguments);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", lines.Last(l => l.Instruction == "FROM").Arguments);
        Assert.Equal("$APP_UID", Assert.Single(lines, l => l.Instruction == "USER").Arguments);
        Assert.Equal(1654L, deployment.Spec.Template.Spec.SecurityContext.RunAsUser); // APP_UID of Microsoft's .NET images
        Assert.Equal(["dotnet", $"/app/{project}.dll"], Json(Assert.Single(lines, l => l.Instruction == "ENTRYPOINT").Arguments));
        Assert.Equal(container.Args ?? [], lines.Where(l => l.Instruction == "CMD").Select(l => Json(l.Arguments)).SingleOrDefault() ?? []);
        // Every volume the image declares is a writable volume of the pod (the root filesystem is read-only there).
        foreach (var volume in lines.Where(l => l.Instruction == "VOLUME").SelectMany(l => Json(l.Arguments)))
            Assert.Contains(container.VolumeMounts, v => v.MountPath == volume && v.ReadOnlyProperty != true);

        // Every COPY from the build context names a path of the repository.
        foreach (var copy in lines.Where(l => l.Instruction == "COPY" && !l.Arguments.StartsWith("--from", StringComparison.Ordinal)))
        {
            var sources = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1];
            Assert.All(sources, s => Assert.True(File.Exists(Path.Combine(DeployTools.Repository, s)) || Directory.Exists(Path.Combine(DeployTools.Repository, s)), $"{project}/Dockerfile copies {s}, which does not exist"));
        }

        // dotnet publish -t:PublishContainer makes the same image: same ports, same base.
        var csproj = XDocument.Load(Path.Combine(DeployTools.Repository, project, project + ".csproj"));
        Assert.Equal(ports, csproj.Descendants("ContainerPort").Select(p => int.Parse(p.Attribute("Include")!.Value)).Order());
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", csproj.Descendants("ContainerBaseImage").Single().Value);
        Assert.Equal($"orleansmail/{project.ToLowerInvariant()}", csproj.Descendants("ContainerRepository").Single().Value);
        Assert.Equal(container.Args ?? [], csproj.Descendants("ContainerDefaultArgs").Select(a => a.Attribute("Include")!.Value));
    }

    private static string[] Json(string array) => JsonSerializer.Deserialize<string[]>(array)!;

    /// <summary>The Dockerfile's instructions with their arguments, continuation lines joined, comments dropped.</summary>
    private static List<(string Instruction, string Arguments)> Instructions(string dockerfile)
    {
        var joined = Continuation().Replace(dockerfile, " ");
        return joined.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => { var space = l.IndexOf(' '); return (l[..space], Whitespace().Replace(l[(space + 1)..].Trim(), " ")); })
            .ToList();
    }

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex Continuation();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
