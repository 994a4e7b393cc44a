using MarketSim.Hocon;

namespace MarketSim.Cluster.Tests;

public sealed class ClusterSettingsSpec
{
    [Fact]
    public void Settings_come_from_marketsim_cluster_keys_over_the_reference_defaults()
    {
        var s = ClusterSettings.FromConfig(ConfigFactory.ParseString(
            """marketsim.cluster { name = market, amqp-uri = "amqp://u:p@broker:5672/", hostname = box1, node-id = n1, prefetch = 10 }"""));

        Assert.Equal("market", s.ClusterName);
        Assert.Equal(new Uri("amqp://u:p@broker:5672/"), s.AmqpUri);
        Assert.Equal(new NodeAddress("market", "box1", "n1"), s.Address);
        Assert.Equal(10, s.Prefetch);
        Assert.Equal(TimeSpan.FromSeconds(10), s.Heartbeat);
        Assert.Equal(TimeSpan.FromSeconds(3), s.ResolveTimeout);
        Assert.Equal(10, s.LogRejections);
    }

    [Fact]
    public void Every_start_gets_a_new_node_id_unless_one_is_configured()
    {
        var c = ConfigFactory.ParseString("""marketsim.cluster.amqp-uri = "amqp://localhost/" """);

        Assert.NotEqual(ClusterSettings.FromConfig(c).NodeId, ClusterSettings.FromConfig(c).NodeId);
    }

    [Fact]
    public void A_missing_amqp_uri_fails_with_a_message_naming_the_key_and_the_variable()
    {
        if (Environment.GetEnvironmentVariable(ClusterSettings.AmqpEnvironmentVariable) is { Length: > 0 })
        {
            // the environment provides the default: an invalid configured value must still fail clearly
            var bad = Assert.Throws<InvalidOperationException>(() =>
                ClusterSettings.FromConfig(ConfigFactory.ParseString("marketsim.cluster.amqp-uri = \"http://x/\"")));
            Assert.Contains("amqp-uri", bad.Message);
            return;
        }

        var ex = Assert.Throws<InvalidOperationException>(() => ClusterSettings.FromConfig(Config.Empty));

        Assert.Contains("marketsim.cluster.amqp-uri", ex.Message);
        Assert.Contains("MARKETSIM_AMQP", ex.Message);
    }

    [Fact]
    public void An_invalid_cluster_name_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => ClusterSettings.FromConfig(ConfigFactory.ParseString(
            """marketsim.cluster { name = "a b", amqp-uri = "amqp://localhost/" }""")));
    }

    [Fact]
    public void A_remote_path_parses_into_node_address_and_local_path()
    {
        var (address, path) = NodeAddress.ParsePath("akka://market@box1:3f2a/user/validator/v1");

        Assert.Equal(new NodeAddress("market", "box1", "3f2a"), address);
        Assert.Equal("/user/validator/v1", path);
        Assert.Equal("akka://market@box1:3f2a", address.ToString());
        Assert.Equal(address, NodeAddress.Parse("akka://market@box1:3f2a"));
    }

    [Theory]
    [InlineData("akka://market/user/a")]
    [InlineData("akka.tcp://market@box:1/user/a")]
    [InlineData("akka://market@box/user/a")]
    [InlineData("akka://@box:1/user/a")]
    public void A_malformed_remote_path_is_refused(string text)
    {
        Assert.Throws<FormatException>(() => NodeAddress.ParsePath(text));
    }

    [Fact]
    public void A_manifest_or_type_can_be_registered_only_once()
    {
        var registry = TestRegistry.Common();

        Assert.Throws<ArgumentException>(() => registry.Register("test.ping", TestMessagesContext.Default.Seq));
        Assert.Throws<ArgumentException>(() => registry.Register("test.ping2", TestMessagesContext.Default.Ping));
        Assert.Throws<ArgumentException>(() => new MessageRegistry().Register("x", TestMessagesContext.Default.Ping, version: 2, minVersion: 3));
        Assert.Equal("test.seq", registry.ForType(typeof(Seq))?.Manifest);
    }
}
