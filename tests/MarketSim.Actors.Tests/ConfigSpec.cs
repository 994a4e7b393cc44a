using MarketSim.Actors;
using MarketSim.Actors.Event;
using MarketSim.Hocon;
using Xunit.Abstractions;

namespace MarketSim.Actors.Tests;

public sealed class ConfigSpec(ITestOutputHelper output) : TestKit.TestKit(@"
    akka.loglevel = DEBUG
    akka.log-dead-letters = off
    akka.actor.ask-timeout = 2s
    akka.actor.default-dispatcher.throughput = 5
", output)
{
    [Fact]
    public void Settings_are_read_from_the_test_config_over_the_reference()
    {
        Assert.Equal(LogLevel.DebugLevel, Sys.Settings.LogLevel);
        Assert.Equal(0, Sys.Settings.LogDeadLetters);
        Assert.Equal(TimeSpan.FromSeconds(2), Sys.Settings.AskTimeout);
        Assert.Equal(5, Sys.Settings.Throughput);
        Assert.Equal(LogLevel.WarningLevel, Sys.Settings.StdoutLogLevel);
    }

    [Fact]
    public void Debug_events_are_published_at_loglevel_debug()
    {
        EventFilter.Debug(message: "fine grained").ExpectOne(() => Sys.Log.Debug("fine grained"));
    }

    [Fact]
    public void Settings_parse_log_dead_letters_forms()
    {
        Assert.Equal(int.MaxValue, ActorSystemSettings.FromConfig(ConfigFactory.ParseString("akka.log-dead-letters = on")).LogDeadLetters);
        Assert.Equal(3, ActorSystemSettings.FromConfig(ConfigFactory.ParseString("akka.log-dead-letters = 3")).LogDeadLetters);
        Assert.Equal("virtual", ActorSystemSettings.FromConfig(ConfigFactory.ParseString("akka.scheduler.implementation = virtual")).SchedulerImplementation);
    }

    [Fact]
    public async Task The_configured_ask_timeout_is_the_default()
    {
        var probe = CreateTestProbe();
        var ex = await Assert.ThrowsAsync<AskTimeoutException>(() => probe.Ref.Ask<string>("no answer"));
        Assert.Contains("2000 ms", ex.Message);
    }
}
