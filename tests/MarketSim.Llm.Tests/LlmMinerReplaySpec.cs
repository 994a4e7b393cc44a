using MarketSim.Journal;
using MarketSim.Polymarket.Dataset;
using MarketSim.Runtime;
using MarketSim.Scenarios;
using MarketSim.Simulation.Journal;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Llm.Tests;

/// <summary>
/// LLM miners in a Polymarket replay, against the real runtime of <see cref="LlmServerFixture"/> (a tiny random-weight
/// model: its answers are gibberish, so most are unparseable and count as missing): the run completes, every open market
/// is asked once per interval and miner, and a second run answered from the cache alone is byte-identical.
/// </summary>
[Collection(LlmServerCollection.Name)]
public sealed class LlmMinerReplaySpec(LlmServerFixture server) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("marketsim-llm-replay-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Scenario(string cacheDir, string cache)
    {
        var t0 = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var rows = Enumerable.Range(0, 4).Select(i => new MarketRow($"{i}", $"0x{i:x64}", $"Will event number {i} happen before the deadline?", "Resolves YES if it happens.", null, "Tests", i % 2,
            null, null, t0.AddDays(i), t0.AddDays(i + 3), t0.AddDays(i + 3), null, 1000, null, null, "hand")).ToList();
        var dataset = Path.Combine(_dir, "markets.parquet");
        MarketDataset.Write(dataset, rows);
        var s = server.Settings(cacheDir);
        var file = Path.Combine(_dir, "llm.conf");
        File.WriteAllText(file, $$"""
            marketsim.scenario {
              name = llm-replay
              world { kind = polymarket, polymarket { dataset = "{{dataset}}", compression = 6, train-fraction = 0.25 } }
              timeline { interval-length = 4h, cutoff-before-resolution = 4h }
              miners = [
                { kind = llm, name = tiny, count = 2, llm { base-url = "{{s.BaseUrl}}", model = "{{s.Model}}", api-key-env = "{{s.ApiKeyEnv}}", temperature = 0.8, max-tokens = 48, seed = 7, concurrency = 4, timeout = 30s, retries = 0, cache = {{cache}}, cache-dir = "{{cacheDir}}" } }
                { kind = base-rate }
              ]
              validators = [{ rule = peer-1.5.5 }]
            }
            """);
        return file;
    }

    [Fact]
    public async Task LLM_miners_play_a_replay_against_a_real_model_and_a_cached_second_run_is_identical_without_a_request()
    {
        Environment.SetEnvironmentVariable(LlmServerFixture.KeyEnv, server.ApiKey);
        var cache = Path.Combine(_dir, "cache");
        await server.ResetAsync();

        var first = ScenarioRunner.Run(RunPreparation.Prepare(Scenario(cache, "readwrite"), null, null, Path.Combine(_dir, "a"), DateTimeOffset.UnixEpoch));
        var requests = (await server.StatsAsync()).Requests;

        Assert.True(first.State == RunState.Complete, first.Error?.ToString());
        using (var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(first.Folder.JournalFile)))
        {
            // Every (interval, open market) is asked once per LLM miner: two miners.
            var cells = reader.EventsByTag(JournalIds.PredictionsTag).Select(e => (PredictionBatch)e.Event).Sum(b => b.EventIds.Length);
            Assert.Equal(2 * cells, requests);
        }

        var second = ScenarioRunner.Run(RunPreparation.Prepare(Scenario(cache, "read"), null, null, Path.Combine(_dir, "b"), DateTimeOffset.UnixEpoch));

        Assert.True(second.State == RunState.Complete, second.Error?.ToString());
        Assert.Equal(requests, (await server.StatsAsync()).Requests); // nothing sent
        Assert.Equal(Streams(first.Folder.JournalFile), Streams(second.Folder.JournalFile));
    }

    /// <summary>Every stored event of a run: persistence id, sequence number, virtual time and payload bytes, in canonical order.</summary>
    private static List<string> Streams(string journalFile)
    {
        using var reader = RunJournals.OpenReader(MarketSim.Journal.Akka.JournalConfig.Sqlite(journalFile));
        return [.. reader.AllEvents().Select(e => $"{e.PersistenceId}#{e.SequenceNr}@{e.Timestamp}:{Convert.ToHexString(ScoreEventSerializer.Serialize(e.Event))}")];
    }
}
