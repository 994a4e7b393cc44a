using MarketSim.Hocon;

namespace MarketSim.Cluster.Tests;

public sealed class MembershipSettingsSpec
{
    private static ClusterSettings Read(string hocon) =>
        ClusterSettings.FromConfig(ConfigFactory.ParseString("marketsim.cluster.amqp-uri = \"amqp://u:p@localhost:5672/\"\n" + hocon));

    [Fact]
    public void Membership_settings_default_from_the_reference_conf()
    {
        var s = Read("");

        Assert.Empty(s.Roles);
        Assert.Equal(TimeSpan.FromSeconds(1), s.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), s.AcceptableHeartbeatPause);
        Assert.Equal("keep-majority", s.DowningStrategy);
        Assert.Equal(TimeSpan.FromSeconds(10), s.StableAfter);
        Assert.Matches(@"^\d+\.\d+\.\d+$", s.AppVersion);
    }

    [Fact]
    public void Roles_intervals_downing_and_app_version_are_read_from_marketsim_cluster()
    {
        var s = Read("""
            marketsim.cluster {
              roles = [miner, frontend, miner]
              app-version = "2.1.0"
              heartbeat-interval = 250ms
              failure-detector.acceptable-heartbeat-pause = 2s
              downing { strategy = off, stable-after = 3s }
            }
            """);

        Assert.Equal(["frontend", "miner"], s.Roles);
        Assert.Equal("2.1.0", s.AppVersion);
        Assert.Equal(TimeSpan.FromMilliseconds(250), s.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), s.AcceptableHeartbeatPause);
        Assert.Equal("off", s.DowningStrategy);
        Assert.Equal(TimeSpan.FromSeconds(3), s.StableAfter);
    }

    [Theory]
    [InlineData("marketsim.cluster.downing.strategy = keep-oldest", "downing.strategy")]
    [InlineData("marketsim.cluster.roles = [\"a b\"]", "roles")]
    [InlineData("marketsim.cluster.heartbeat-interval = 0s", "heartbeat-interval")]
    public void An_invalid_membership_setting_names_its_key(string hocon, string key)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Read(hocon));
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_show_line_has_address_roles_lower_case_state_reachability_and_version()
    {
        var address = NodeAddress.Parse("akka://market@box1:abc");

        Assert.Equal("akka://market@box1:abc | [backend,miner] | up |  | 1.0.0",
            ClusterPbm.FormatMember(new Member(address, MemberStatus.Up, ["backend", "miner"], "1.0.0", true)));
        Assert.Equal("akka://market@box1:abc | [] | leaving | unreachable | 1.0.0",
            ClusterPbm.FormatMember(new Member(address, MemberStatus.Leaving, [], "1.0.0", false)));
    }
}
