using MarketSim.Cluster;

namespace MarketSim.Node;

/// <summary>
/// Where a run's miner shards live. Candidates are the Up, reachable members with role <c>miners</c> or <c>gpu</c>;
/// shards of LLM miner groups prefer <c>gpu</c> members, the others prefer <c>miners</c> members. A shard keeps its
/// home while that member is a candidate and holds no more than its fair share (ceil(shards / candidates)); the others
/// go to the candidate holding fewest (ties: lowest address) — Akka's least-shard allocation, deterministic.
/// </summary>
public static class ShardPlacement
{
    public const string MinersRole = "miners";
    public const string GpuRole = "gpu";

    /// <summary>Members that may host shards.</summary>
    public static IReadOnlyList<Member> Candidates(IEnumerable<Member> members) =>
        members.Where(m => m.Status == MemberStatus.Up && m.Reachable && (m.HasRole(MinersRole) || m.HasRole(GpuRole)))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .ToList();

    /// <summary>The candidates for one shard.</summary>
    public static IReadOnlyList<Member> CandidatesFor(bool wantsGpu, IReadOnlyList<Member> candidates)
    {
        var preferred = candidates.Where(m => m.HasRole(wantsGpu ? GpuRole : MinersRole)).ToList();
        return preferred.Count > 0 ? preferred : candidates;
    }

    /// <summary>
    /// Places <paramref name="shardCount"/> shards. <paramref name="current"/>: present homes (absent = none);
    /// <paramref name="wantsGpu"/>: per shard. Returns the home of every shard, or an empty map when no member can host.
    /// </summary>
    public static Dictionary<int, NodeAddress> Place(int shardCount, IReadOnlyDictionary<int, NodeAddress> current, IReadOnlyList<Member> candidates, Func<int, bool> wantsGpu)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(wantsGpu);
        var result = new Dictionary<int, NodeAddress>();
        if (candidates.Count == 0)
        {
            return result;
        }

        var load = candidates.ToDictionary(m => m.Address, _ => 0);
        var perShard = new IReadOnlyList<Member>[shardCount];
        for (var s = 0; s < shardCount; s++)
        {
            perShard[s] = CandidatesFor(wantsGpu(s), candidates);
        }

        for (var s = 0; s < shardCount; s++)
        {
            if (current.TryGetValue(s, out var home) && perShard[s].Any(m => m.Address == home))
            {
                var cap = (shardCount + perShard[s].Count - 1) / perShard[s].Count;
                if (load[home] < cap)
                {
                    result[s] = home;
                    load[home]++;
                }
            }
        }

        for (var s = 0; s < shardCount; s++)
        {
            if (result.ContainsKey(s))
            {
                continue;
            }

            var target = perShard[s].OrderBy(m => load[m.Address]).ThenBy(m => m.Address.ToString(), StringComparer.Ordinal).First().Address;
            result[s] = target;
            load[target]++;
        }

        return result;
    }
}
