using FsCheck;
using FsCheck.Fluent;
using MarketSim.Cluster;

namespace MarketSim.Node.Tests;

public sealed class ShardPlacementSpec
{
    private static Member M(string id, params string[] roles) => new(new NodeAddress("c", "h", id), MemberStatus.Up, roles, "1.0.0", true);

    [Fact]
    public void Shards_spread_evenly_over_the_miner_nodes_and_ignore_coordinators_and_members_that_are_not_up()
    {
        var members = new[]
        {
            M("a", "coordinator", "validator"), M("b", "miners"), M("c", "miners"),
            M("d", "miners") with { Status = MemberStatus.Leaving }, M("e", "miners") with { Reachable = false },
        };
        var candidates = ShardPlacement.Candidates(members);
        Assert.Equal(["b", "c"], candidates.Select(m => m.Address.NodeId));
        var placement = ShardPlacement.Place(5, new Dictionary<int, NodeAddress>(), candidates, _ => false);
        Assert.Equal(3, placement.Values.Count(a => a.NodeId == "b"));
        Assert.Equal(2, placement.Values.Count(a => a.NodeId == "c"));
    }

    [Fact]
    public void Llm_shards_prefer_gpu_nodes_and_the_others_prefer_miners_nodes()
    {
        var candidates = ShardPlacement.Candidates([M("b", "miners"), M("g", "gpu", "miners"), M("x", "gpu")]);
        var placement = ShardPlacement.Place(4, new Dictionary<int, NodeAddress>(), candidates, s => s < 2);
        Assert.All([0, 1], s => Assert.Contains(placement[s].NodeId, new[] { "g", "x" }));
        Assert.All([2, 3], s => Assert.Contains(placement[s].NodeId, new[] { "b", "g" }));
    }

    [Fact]
    public void Without_a_node_of_the_preferred_role_any_candidate_hosts_and_without_candidates_nothing_is_placed()
    {
        var placement = ShardPlacement.Place(2, new Dictionary<int, NodeAddress>(), ShardPlacement.Candidates([M("g", "gpu")]), _ => false);
        Assert.All(placement.Values, a => Assert.Equal("g", a.NodeId));
        Assert.Empty(ShardPlacement.Place(2, new Dictionary<int, NodeAddress>(), [], _ => false));
    }

    [Fact]
    public void A_joining_node_takes_shards_from_the_busiest_while_the_others_stay_where_they_are()
    {
        var before = ShardPlacement.Place(6, new Dictionary<int, NodeAddress>(), ShardPlacement.Candidates([M("b", "miners"), M("c", "miners")]), _ => false);
        var after = ShardPlacement.Place(6, before, ShardPlacement.Candidates([M("b", "miners"), M("c", "miners"), M("d", "miners")]), _ => false);
        Assert.Equal(2, after.Values.Count(a => a.NodeId == "d"));
        Assert.Equal(4, after.Count(kv => before[kv.Key] == kv.Value));
    }

    [Fact]
    public void Every_shard_is_placed_on_a_candidate_and_loads_differ_by_at_most_one()
    {
        Prop.ForAll(Gen.Choose(1, 40).ToArbitrary(), Gen.Choose(1, 7).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (shards, nodes, seed) =>
        {
            var random = new Random(seed);
            var candidates = ShardPlacement.Candidates(Enumerable.Range(0, nodes).Select(i => M("n" + i, "miners")));
            var current = Enumerable.Range(0, shards).Where(_ => random.Next(2) == 0).ToDictionary(s => s, _ => new NodeAddress("c", "h", "n" + random.Next(nodes + 2)));
            var placement = ShardPlacement.Place(shards, current, candidates, _ => false);
            var loads = candidates.Select(m => placement.Values.Count(a => a == m.Address)).ToList();
            return placement.Count == shards
                && placement.Values.All(a => candidates.Any(m => m.Address == a))
                && loads.Max() - loads.Min() <= 1
                && ShardPlacement.Place(shards, current, candidates, _ => false).SequenceEqual(placement);
        }).QuickCheckThrowOnFailure();
    }
}
