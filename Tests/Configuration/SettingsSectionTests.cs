using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Configuration;

/// <summary>The one grammar every section is read with (<see cref="SettingsSection"/>, README "Configuration").</summary>
public sealed class SettingsSectionTests
{
    private static SettingsSection Section(params (string Key, string Value)[] values) =>
        SettingsSection.Of(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("S:" + v.Key, v.Value))).Build(), "S", SettingsSection.SnakeCase);

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("60s", 60_000)]
    [InlineData("60", 60_000)]
    [InlineData("15m", 900_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h 30m", 5_400_000)]
    [InlineData("0", 0)]
    public void TimesAreNginxs(string text, long milliseconds) =>
        Assert.Equal(milliseconds, (long)Section(("Wait", text)).Time("Wait", TimeSpan.Zero).TotalMilliseconds);

    [Theory]
    [InlineData("16k", 16 * 1024)]
    [InlineData("1m", 1024 * 1024)]
    [InlineData("128", 128)]
    [InlineData("0", 0)]
    [InlineData("4g", int.MaxValue)]
    public void SizesAreNginxs(string text, int bytes) => Assert.Equal(bytes, Section(("Buffer", text)).Size("Buffer", 1));

    [Theory]
    [InlineData("on", true)]
    [InlineData("ON", true)]
    [InlineData("true", true)]
    [InlineData("off", false)]
    [InlineData("False", false)]
    public void BooleansAreOnOffTrueFalse(string text, bool value) => Assert.Equal(value, Section(("Flag", text)).Bool("Flag", !value));

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("")]
    public void OtherBooleanWordsAreRefusedAsNginxRefusesThem(string text)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Section(("Flag", text)).Bool("Flag", false));
        Assert.Equal($"Invalid configuration: S:Flag = '{text}': expected on or off (or true or false)", error.Message);
    }

    [Fact]
    public void EachKindOfValueRefusesNamingTheFullKeyTheValueAndWhatWasExpected()
    {
        var section = Section(("Wait", "soon"), ("Buffer", "lots"), ("Count", "-1"), ("Mode", "v3"), ("Lease", "500ms"));
        Assert.Equal("Invalid configuration: S:Wait = 'soon': expected a time such as 0, 500ms, 60s, 15m or 1h",
            Assert.Throws<InvalidConfigurationException>(() => section.Time("Wait", TimeSpan.Zero)).Message);
        Assert.Equal("Invalid configuration: S:Lease = '500ms': expected a time of at least 1s, such as 500ms, 60s, 15m or 1h",
            Assert.Throws<InvalidConfigurationException>(() => section.Time("Lease", TimeSpan.Zero, TimeSpan.FromSeconds(1))).Message);
        Assert.Equal("Invalid configuration: S:Buffer = 'lots': expected a size such as 4096, 4k, 1m",
            Assert.Throws<InvalidConfigurationException>(() => section.Size("Buffer", 0)).Message);
        Assert.Equal("Invalid configuration: S:Count = '-1': expected a whole number 0-16",
            Assert.Throws<InvalidConfigurationException>(() => section.Int("Count", 0, 0, 16)).Message);
        Assert.Equal("Invalid configuration: S:Mode = 'v3': expected off, on or v2",
            Assert.Throws<InvalidConfigurationException>(() => section.Choice("Mode", 0, ("off", 0), ("on", 1), ("v2", 2))).Message);
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData(" 7 ", 7)]
    [InlineData("99999999999", int.MaxValue)]
    public void NumbersAreDigitsAndWithoutAMaximumAHugeOneMeansNoLimit(string text, int value) =>
        Assert.Equal(value, Section(("Count", text)).Int("Count", 0, min: 0));

    [Theory]
    [InlineData("+7")]
    [InlineData("7.0")]
    [InlineData("0x10")]
    [InlineData("99999999999")]
    public void ANumberIsDigitsOnlyWithinItsRange(string text) =>
        Assert.Throws<InvalidConfigurationException>(() => Section(("Count", text)).Int("Count", 0, 0, 100));

    [Fact]
    public void AListIsAJsonArrayOrOneStringSeparatedBySpacesOrCommas()
    {
        Assert.Equal(["a", "b", "c"], Section(("Items", "a b,c")).List("Items", []));
        Assert.Equal(["a b", "c"], Section(("Items:0", "a b"), ("Items:1", " c ")).List("Items", []));
        Assert.Equal(["x"], Section().List("Items", ["x"]));
    }

    [Fact]
    public void AKeyMayBeWrittenInPascalCaseOrAsItsNginxStyleName()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Section(("AuthCacheTtl", "5s")).Time("AuthCacheTtl", TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(5), Section(("auth_cache_ttl", "5s")).Time("AuthCacheTtl", TimeSpan.Zero));
        Assert.Equal("S:auth_cache_ttl", Assert.Throws<InvalidConfigurationException>(() => Section(("auth_cache_ttl", "x")).Time("AuthCacheTtl", TimeSpan.Zero)).Key);
        Assert.Equal("bruteforce_ipv4_prefix", SettingsSection.SnakeCase("BruteforceIpv4Prefix"));
    }

    [Fact]
    public void AKeyTheReaderDoesNotReadIsRefusedNamingIt()
    {
        var section = Section(("AuthCacheTtl", "5s"), ("auth_cache_negative_ttl", "1s"), ("BruteforceWindwo", "15m"));
        section.Time("AuthCacheTtl", TimeSpan.Zero);
        section.Time("AuthCacheNegativeTtl", TimeSpan.Zero);
        var error = Assert.Throws<InvalidConfigurationException>(() => section.RefuseUnknownKeys());
        Assert.Equal("S:BruteforceWindwo", error.Key);
        Assert.Equal("15m", error.Value);
        Assert.StartsWith("unknown setting", error.Reason, StringComparison.Ordinal);
        section.RefuseUnknownKeys("BruteforceWindwo");
    }

    [Fact]
    public void AnInheritedKeyIsFoundInTheMostSpecificSectionAndNamedWhereItWasWritten()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([
            new("Mail:Timeout", "1m"), new("Mail:Servers:0:Timeout", "soon"), new("Mail:MaxErrors", "3")]).Build();
        var mail = configuration.GetSection("Mail");
        var server = mail.GetSection("Servers:0");
        var scope = new SettingsSection(server, [server, mail]);
        Assert.Equal("Mail:Servers:0:Timeout", Assert.Throws<InvalidConfigurationException>(() => scope.Time("Timeout", TimeSpan.Zero)).Key);
        Assert.Equal(3, scope.Int("MaxErrors", 5, 0));
        Assert.Equal("Mail:Servers:0:ProxyBuffer", scope.KeyPath("ProxyBuffer"));
    }

    [Fact]
    public void TopLevelKeysAreReadWithTheSameGrammarAndNamedAsWritten()
    {
        var root = SettingsSection.Root(new ConfigurationBuilder().AddInMemoryCollection([
            new("ShutdownTimeout", "soon"), new("WorkerConnections", "+5"), new("ShutdownDelay", "1m")]).Build());
        Assert.Equal("ShutdownTimeout", Assert.Throws<InvalidConfigurationException>(() => root.Time("ShutdownTimeout", TimeSpan.Zero)).Key);
        Assert.Equal("WorkerConnections", Assert.Throws<InvalidConfigurationException>(() => root.Int("WorkerConnections", 1, 1)).Key);
        Assert.Equal(TimeSpan.FromMinutes(1), root.Time("ShutdownDelay", TimeSpan.Zero));
        Assert.Equal("PreloginConnectionsPerAddress", root.KeyPath("PreloginConnectionsPerAddress"));
    }
}
