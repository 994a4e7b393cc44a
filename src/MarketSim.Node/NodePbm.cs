using System.Globalization;
using MarketSim.Pbm;

namespace MarketSim.Node;

/// <summary>
/// The MarketSim pbm palettes of a node: <c>run status</c>, <c>shards show</c>, <c>miners show</c> (docs/pbm.md).
/// A coordinator node answers for the run it plays; a miner node lists the shards it hosts.
/// </summary>
public static class NodePbm
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Registers the palettes on <paramref name="host"/>; <paramref name="runs"/> or <paramref name="shards"/> is null when the node lacks the role.</summary>
    public static void Register(PbmHost host, RunService? runs, ShardHostState? shards)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.RegisterPalette(new CommandPalette("run", "the run this node coordinates",
            [new CommandDefinition("status", "run id, scenario, state, interval k/N, predictions, shard messages and moves (coordinator nodes)", [])],
            (inv, output, _) => RunStatusAsync(runs, output)));
        host.RegisterPalette(new CommandPalette("shards", "where miner shards live",
            [new CommandDefinition("show", "coordinator: every shard of its run with its miners and node (* = unanswered this interval); miner node: the shards it hosts; then Count: N shards", [])],
            (inv, output, _) => ShardsShowAsync(runs, shards, output)));
        host.RegisterPalette(new CommandPalette("miners", "the miners of the run",
            [new CommandDefinition("show", "every miner group of the coordinated run: name | kind | miner ids | shards | nodes", [])],
            (inv, output, _) => MinersShowAsync(runs, output)));
    }

    private static async Task RunStatusAsync(RunService? runs, ICommandOutput output)
    {
        if (runs?.Current is not { } t)
        {
            await output.WriteLineAsync(runs is null ? "this node has no coordinator role" : $"no run (runs finished here: {runs?.Finished ?? 0})").ConfigureAwait(false);
            return;
        }

        var p = t.Progress;
        await output.WriteLineAsync($"run: {t.RunId}").ConfigureAwait(false);
        await output.WriteLineAsync($"scenario: {t.Scenario.Name} (seed {t.Scenario.Seed.ToString(Inv)}, {t.Scenario.MinerCount} miners in {t.Scenario.ShardCount} shards, {t.Scenario.Validators.Count} validators)").ConfigureAwait(false);
        await output.WriteLineAsync($"state: {t.State}{(t.Resumed ? " (resumed from the journal)" : string.Empty)}{(p?.Replaying == true ? ", replaying" : string.Empty)}").ConfigureAwait(false);
        await output.WriteLineAsync(p is null ? "interval: 0" : string.Create(Inv, $"interval: {p.Interval}/{p.TotalIntervals}, events resolved {p.EventsResolved}/{p.TotalEvents}, predictions {p.Predictions}")).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(Inv, $"shard messages: {t.Messages}, moves: {t.Moves}, redelivered: {t.Redeliveries}, late answers dropped: {t.Duplicates}")).ConfigureAwait(false);
        await output.WriteLineAsync($"folder: {t.Folder}").ConfigureAwait(false);
    }

    private static async Task ShardsShowAsync(RunService? runs, ShardHostState? shards, ICommandOutput output)
    {
        var count = 0;
        if (runs?.Current is { } t)
        {
            foreach (var h in t.Homes)
            {
                await output.WriteLineAsync(string.Create(Inv, $"{t.RunId} | shard-{h.Shard} | miners {h.FirstMiner}-{h.FirstMiner + h.Count - 1} | {h.Node}{(h.Pending ? " | *" : string.Empty)}")).ConfigureAwait(false);
                count++;
            }
        }

        if (shards is not null)
        {
            foreach (var h in shards.Hosted)
            {
                await output.WriteLineAsync(string.Create(Inv, $"{h.RunId} | shard-{h.Shard} | miners {h.FirstMiner}-{h.FirstMiner + h.Count - 1} | hosted here | last interval {h.LastInterval}")).ConfigureAwait(false);
                count++;
            }
        }

        await output.WriteLineAsync($"Count: {count} shards").ConfigureAwait(false);
    }

    private static async Task MinersShowAsync(RunService? runs, ICommandOutput output)
    {
        if (runs?.Current is not { } t)
        {
            await output.WriteLineAsync("no run coordinated here").ConfigureAwait(false);
            return;
        }

        var s = t.Scenario;
        var homes = t.Homes;
        foreach (var g in s.Miners)
        {
            var firstShard = g.FirstMinerId / s.ShardSize;
            var lastShard = (g.FirstMinerId + g.Count - 1) / s.ShardSize;
            var nodes = homes.Where(h => h.Shard >= firstShard && h.Shard <= lastShard).Select(h => h.Node).Distinct().Order(StringComparer.Ordinal);
            await output.WriteLineAsync(string.Create(Inv, $"{g.Name} | {g.Kind} | miners {g.FirstMinerId}-{g.FirstMinerId + g.Count - 1} | shards {firstShard}-{lastShard} | [{string.Join(",", nodes)}]")).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(Inv, $"Count: {s.MinerCount} miners in {s.Miners.Count} groups")).ConfigureAwait(false);
    }
}
