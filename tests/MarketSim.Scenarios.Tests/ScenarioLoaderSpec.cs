using MarketSim.Simulation.Scenarios;

namespace MarketSim.Scenarios.Tests;

public sealed class ScenarioLoaderSpec : IDisposable
{
    private readonly ScenarioTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static ScenarioException Invalid(Func<Scenario> load) => Assert.Throws<ScenarioException>(() => load());

    [Fact]
    public void An_empty_file_gives_the_reference_defaults()
    {
        var s = ScenarioLoader.LoadString(string.Empty, "empty.conf");
        Assert.Equal("scenario", s.Name);
        Assert.Equal(0, s.Seed);
        Assert.Equal(new ParityWorldSettings(16, 8, 0.8, null), s.World);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), s.Timeline.Epoch);
        Assert.Equal(TimeSpan.FromMinutes(240), s.Timeline.IntervalLength);
        Assert.Equal(6, s.Timeline.ScoredIntervalsPerEvent);
        var v = Assert.Single(s.Validators);
        Assert.Equal(new PeerValidator("peer-1.5.5", "peer-1.5.5", "power2", "third-toward-worst", new MovingAverageSettings("class-balanced", 149)), v);
        var deployment = ScenarioLoader.LoadRunString(string.Empty, "empty.conf").Deployment;
        Assert.Equal(new RunDeployment(Environment.ProcessorCount, PersistenceSettings.Default), deployment);
    }

    [Fact]
    public void The_scenario_name_defaults_to_the_file_name()
    {
        var path = _files.Write("my-run.conf", "marketsim.scenario.seed = 3");
        var s = ScenarioLoader.Load(path);
        Assert.Equal("my-run", s.Name);
        Assert.Equal(3, s.Seed);
    }

    [Theory]
    [InlineData("parity-cliff-fog.conf", 11, 2, 6)]
    [InlineData("groupstress.conf", 4, 1, 6)]
    [InlineData("bench-subnet.conf", 256, 1, 42)]
    public void Every_shipped_scenario_loads(string file, int miners, int validators, int scoredIntervals)
    {
        var s = ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario(file));
        Assert.Equal(Path.GetFileNameWithoutExtension(file), s.Name);
        Assert.Equal(miners, s.MinerCount);
        Assert.Equal(validators, s.Validators.Count);
        Assert.Equal(scoredIntervals, s.Timeline.ScoredIntervalsPerEvent);
    }

    [Fact]
    public void Bench_subnet_makes_21_5_million_predictions_with_events_issued_on_the_grid()
    {
        var s = ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario("bench-subnet.conf"));
        Assert.Equal(2000, s.Timeline.Events);
        Assert.Equal(21_504_000, s.ExpectedPredictions);
        Assert.Equal("peer-1.5.5", Assert.Single(s.Validators).Rule);
        var t = s.Timeline;
        for (var i = 0; i < t.Events; i++)
        {
            var issue = t.IssueTime(i);
            Assert.Equal(0, (issue - t.Epoch).Ticks % t.IntervalLength.Ticks);
            var n = t.IntervalIndex(t.CutoffTime(i)) - t.IntervalIndex(issue);
            Assert.Equal(42, n);
        }
    }

    [Fact]
    public void Parity_cliff_fog_names_its_miners_as_the_spec_does()
    {
        var s = ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario("parity-cliff-fog.conf"));
        Assert.Equal(
            ["oracle", "const_0.5", "L_query_oracle(L=4)", "L_query_oracle(L=8)", "L_query_oracle(L=12)", "L_query_chains(L=8,K=16)", "L_query_chains(L=12,K=16)", "diff_analytic_rho=0.5", "diff_analytic_rho=0.9", "diff_analytic_rho=0.95", "diff_analytic_rho=0.99"],
            s.Miners.Select(m => m.Name));
        Assert.Equal(Enumerable.Range(0, 11), s.Miners.Select(m => m.FirstMinerId));
        // One record type per miner kind, holding exactly that kind's parameters.
        Assert.IsType<OracleMiners>(s.Miners[0]);
        Assert.Equal(0.5, Assert.IsType<ConstantMiners>(s.Miners[1]).Value);
        Assert.Equal(4, Assert.IsType<ArDepthMiners>(s.Miners[2]).Depth);
        Assert.Equal((8, 16), Assert.IsType<RandomChainsMiners>(s.Miners[5]) is var r ? (r.Depth, r.Chains) : default);
        Assert.Equal(0.99, Assert.IsType<DiffusionMiners>(s.Miners[10]).Rho);
        Assert.Equal(["brier-legacy-v2", "peer-1.5.5"], s.Validators.Select(v => v.Name));
        Assert.Equal(5, Assert.IsType<LegacyValidator>(s.Validators[0]).K);
        Assert.IsType<PeerValidator>(s.Validators[1]);
    }

    [Fact]
    public void A_misspelt_key_is_reported_at_its_position_with_the_nearest_known_key()
    {
        var path = _files.Write("typo.conf", """
            marketsim.scenario {
              timelne { events = 10 }
              timeline {
                intervl-length = 4 h
              }
            }
            """);
        var e = Invalid(() => ScenarioLoader.Load(path));
        Assert.Equal(2, e.Errors.Count);
        var first = e.Errors[0];
        Assert.Equal("marketsim.scenario.timelne", first.Key);
        Assert.Equal((2, 3), (first.Origin.Line, first.Origin.Column));
        Assert.EndsWith("typo.conf", first.Origin.File);
        Assert.Contains("did you mean 'timeline'?", first.Message);
        var second = e.Errors[1];
        Assert.Equal("marketsim.scenario.timeline.intervl-length", second.Key);
        Assert.Equal((4, 5), (second.Origin.Line, second.Origin.Column));
        Assert.Contains("did you mean 'interval-length'?", second.Message);
        Assert.Contains("typo.conf:2:3: marketsim.scenario.timelne: unknown key; did you mean 'timeline'?", e.Message);
        Assert.Equal(2, ScenarioException.ExitCode);
    }

    [Fact]
    public void Every_wrong_value_is_reported_not_just_the_first()
    {
        var path = _files.Write("bad.conf", """
            marketsim.scenario {
              world { kind = parity, d = 6, k = 7, alpha = 1.5 }
              timeline {
                interval-length = -4 h
                lifetime = 1 d
                cutoff-before-resolution = 2 d
              }
              miners = [
                { kind = oracle, count = 0 }
                { kind = diffusion, rho = 1.2 }
                { kind = wizard }
              ]
              validators = [
                { rule = peer-1.5.6 }
                { rule = peer-1.4.3, moving-average { kind = exponential } }
              ]
            }
            """);
        var e = Invalid(() => ScenarioLoader.Load(path));
        var byKey = e.Errors.ToDictionary(x => x.Key, x => x.Message);
        Assert.Contains("[1, d = 6]", byKey["marketsim.scenario.world.k"]);
        Assert.Contains("value 1.5 is out of range; expected a number in (0, 1]", byKey["marketsim.scenario.world.alpha"]);
        Assert.Contains("positive duration", byKey["marketsim.scenario.timeline.interval-length"]);
        Assert.Contains("< lifetime", byKey["marketsim.scenario.timeline.cutoff-before-resolution"]);
        Assert.Contains("value 0 is out of range; expected an integer in [1, 1000000]", byKey["marketsim.scenario.miners[0].count"]);
        Assert.Contains("expected a number in [0, 1]", byKey["marketsim.scenario.miners[1].rho"]);
        Assert.Contains("unknown value \"wizard\"; expected one of oracle, constant, ar-depth, random-chains, diffusion", byKey["marketsim.scenario.miners[2].kind"]);
        Assert.Contains("did you mean 'peer-1.5.5'?", byKey["marketsim.scenario.validators[0].rule"]);
        Assert.Contains("expected one of fixed-window, class-balanced", byKey["marketsim.scenario.validators[1].moving-average.kind"]);
        Assert.Equal(9, e.Errors.Count);
        Assert.All(e.Errors, x => Assert.True(x.Origin.Line > 1, x.ToString()));
        Assert.Equal(e.Errors.OrderBy(x => x.Origin.Line).ThenBy(x => x.Origin.Column), e.Errors);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_key_and_the_value()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.world.d = sixteen\nmarketsim.scenario.timeline { events = [1] }", "types.conf"));
        Assert.Contains(e.Errors, x => x.Key == "marketsim.scenario.world.d" && x.Message.Contains("found string \"sixteen\"") && x.Origin.Line == 1);
        Assert.Contains(e.Errors, x => x.Key == "marketsim.scenario.timeline.events" && x.Message.Contains("found a list"));
    }

    [Fact]
    public void A_parameter_of_another_miner_kind_is_rejected_by_name()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.miners = [ { kind = oracle, rho = 0.9 } ]"));
        var err = Assert.Single(e.Errors);
        Assert.Equal("marketsim.scenario.miners[0].rho", err.Key);
        Assert.Contains("does not apply to miner kind 'oracle'", err.Message);
    }

    [Fact]
    public void A_component_override_that_the_rule_does_not_use_is_rejected()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.validators = [ { rule = brier-legacy-v2, moving-average.window = 99, imputation = worst-clip } ]"));
        Assert.Equal(2, e.Errors.Count);
        Assert.All(e.Errors, x => Assert.Contains("does not apply to rule 'brier-legacy-v2'", x.Message));
    }

    [Fact]
    public void Component_overrides_replace_only_what_they_name()
    {
        var s = ScenarioLoader.LoadString("""
            marketsim.scenario.validators = [
              { name = v142, rule = peer-1.3.9, moving-average.window = 149 }
              { name = v146, rule = peer-1.4.4, moving-average.kind = class-balanced }
              { rule = brier-legacy-v2, k = 30 }
            ]
            """);
        var v142 = Assert.IsType<PeerValidator>(s.Validators[0]);
        var v146 = Assert.IsType<PeerValidator>(s.Validators[1]);
        Assert.Equal(new MovingAverageSettings("fixed-window", 149), v142.MovingAverage);
        Assert.Equal("worst-clip", v142.Imputation);
        Assert.Equal(new MovingAverageSettings("class-balanced", 149), v146.MovingAverage);
        Assert.Equal("rema-first2", v146.IntervalWeights);
        Assert.Equal(new LegacyValidator("brier-legacy-v2", "brier-legacy-v2", "rema-exp", 30, 0), s.Validators[2]);
    }

    [Fact]
    public void Duplicate_validator_names_are_rejected()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.validators = [ { rule = peer-1.5.5 }, { rule = peer-1.5.5 } ]"));
        Assert.Contains("used twice", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void An_explicit_parity_set_must_have_k_distinct_coordinates_below_d()
    {
        var ok = ScenarioLoader.LoadString("marketsim.scenario.world { d = 4, k = 2, parity-set = [3, 1] }\nmarketsim.scenario.miners = [{kind = oracle}]");
        Assert.Equal([1, 3], Assert.IsType<ParityWorldSettings>(ok.World).ParitySet!);
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.world { d = 4, k = 2, parity-set = [1, 1, 4] }\nmarketsim.scenario.miners = [{kind = oracle}]"));
        Assert.Equal(3, e.Errors.Count);
    }

    [Fact]
    public void Malformed_hocon_is_a_scenario_error_with_its_position()
    {
        var path = _files.Write("broken.conf", "marketsim.scenario {\n  seed = 1\n  world { d = 16 \n");
        var e = Invalid(() => ScenarioLoader.Load(path));
        var err = Assert.Single(e.Errors);
        Assert.EndsWith("broken.conf", err.Origin.File);
        Assert.True(err.Origin.Line >= 3);
    }

    [Fact]
    public void A_missing_file_is_a_scenario_error()
    {
        var e = Invalid(() => ScenarioLoader.Load(Path.Combine(_files.Directory, "nope.conf")));
        Assert.Contains("not found", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void Keys_outside_the_scenario_are_rejected()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("scenario { seed = 1 }\nmarketsim.senario { }"));
        Assert.Equal(["marketsim.senario", "scenario"], e.Errors.Select(x => x.Key).Order());
        Assert.Contains("did you mean 'scenario'?", e.Errors.Single(x => x.Key == "marketsim.senario").Message);
    }

    [Fact]
    public void Deployment_is_read_beside_the_scenario_and_never_makes_two_scenarios_differ()
    {
        var path = ScenarioTestFiles.ShippedScenario("parity-cliff-fog.conf");
        var one = ScenarioLoader.LoadRun(path, ["marketsim.parallelism=1"]);
        var pg = ScenarioLoader.LoadRun(path, ["marketsim.parallelism=8", "marketsim.persistence.journal=postgres", "marketsim.persistence.postgres.connection-string=\"Host=h;Password=secret\""]);

        Assert.Equal(one.Scenario, pg.Scenario);
        Assert.Equal(new RunDeployment(8, new PersistenceSettings("postgres", "Host=h;Password=secret", string.Empty)), pg.Deployment);
        // The journal's copy is deployment-neutral; scenario.conf keeps the deployment, never the password.
        Assert.Equal(ScenarioRenderer.ToHocon(one.Scenario), ScenarioRenderer.ToHocon(pg.Scenario));
        var conf = ScenarioRenderer.ToHocon(pg.Scenario, pg.Deployment);
        Assert.Contains("parallelism = 8", conf, StringComparison.Ordinal);
        Assert.Contains("journal = \"postgres\"", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", conf, StringComparison.Ordinal);
        Assert.Equal(8, ScenarioLoader.LoadRunString(conf, "scenario.conf").Deployment.Parallelism);
    }

    [Fact]
    public void Overrides_take_paths_relative_to_the_scenario_and_the_seed_option_wins()
    {
        var path = ScenarioTestFiles.ShippedScenario("bench-subnet.conf");
        var (s, deployment) = ScenarioLoader.LoadRun(path, ["timeline.events=10", "marketsim.parallelism=3", "seed=5", "description=a b c"], seed: 7);
        Assert.Equal(10, s.Timeline.Events);
        Assert.Equal(3, deployment.Parallelism);
        Assert.Equal(7, s.Seed);
        Assert.Equal("a b c", s.Description);
    }

    [Fact]
    public void A_bad_override_is_reported_with_its_argument_number()
    {
        var e = Invalid(() => ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario("groupstress.conf"), ["seed=1", "timeline.intervl-length=2h", "world.alpha=2"]));
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains(e.Errors, x => x.Origin.File == "--set #2" && x.Message.Contains("did you mean 'interval-length'?"));
        Assert.Contains(e.Errors, x => x.Origin.File == "--set #3" && x.Key == "marketsim.scenario.world.alpha");
    }

    [Fact]
    public void An_interval_must_be_whole_minutes_and_leave_a_scored_interval()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.timeline { interval-length = 90 s }"));
        Assert.Contains("whole minutes", Assert.Single(e.Errors).Message);
        e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.timeline { lifetime = 1 d, cutoff-before-resolution = 22 h }"));
        Assert.Contains("leaves no scored interval", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void A_polymarket_world_needs_a_dataset_and_polymarket_miner_kinds()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario { world.kind = polymarket, miners = [{ kind = base-rate }] }"));
        Assert.Contains(e.Errors, x => x.Key.EndsWith("world.polymarket.dataset", StringComparison.Ordinal) && x.Message.Contains("needs a dataset", StringComparison.Ordinal));
        var kinds = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario { world { kind = polymarket, polymarket.dataset = d.parquet }, miners = [{ kind = oracle }] }"));
        Assert.Contains("does not play the polymarket world", Assert.Single(kinds.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_polymarket_dataset_is_reported_with_how_to_build_one()
    {
        var file = _files.Write("pm.conf", "marketsim.scenario { world { kind = polymarket, polymarket.dataset = \"nope.parquet\" }, miners = [{ kind = base-rate }] }");
        var e = Invalid(() => ScenarioLoader.Load(file));
        Assert.Contains("marketsim pm import", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Polymarket_miner_kinds_do_not_play_the_parity_world()
    {
        var e = Invalid(() => ScenarioLoader.LoadString("marketsim.scenario.miners = [{ kind = base-rate }]"));
        Assert.Contains("does not play the parity world", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("parity-cliff-fog.conf")]
    [InlineData("groupstress.conf")]
    [InlineData("bench-subnet.conf")]
    public void The_rendered_scenario_loads_again_to_an_equal_scenario(string file)
    {
        var s = ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario(file), ["marketsim.parallelism=2"], seed: 11);
        var text = ScenarioRenderer.ToHocon(s);
        var again = ScenarioLoader.Load(_files.Write("scenario.conf", text));
        Assert.Equal(s, again);
        Assert.Equal(text, ScenarioRenderer.ToHocon(again));
    }

    [Fact]
    public void A_scenario_with_every_option_renders_and_reloads_equal()
    {
        var s = ScenarioLoader.LoadString("""
            marketsim.parallelism = 1
            marketsim.scenario {
              name = all-options
              description = "quotes \" and\nnewlines"
              seed = 9007199254740993
              world { d = 10, k = 3, alpha = 0.3333333333333333, parity-set = [9, 0, 4] }
              timeline { epoch = "2025-03-04T05:06:00Z", interval-length = 90 m, events = 7, events-per-day = 5, lifetime = 36 h, cutoff-before-resolution = 1500 ms }
              shard-size = 3
              miners = [
                { kind = constant, value = 0.1, count = 2, name = "low" }
                { kind = random-chains, depth = 5, chains = 1 }
                { kind = diffusion, rho = 1e-3 }
              ]
              validators = [
                { rule = brier-legacy-v1, offset = 0.75, k = 25, interval-weights = power2 }
                { rule = shared-quadratic }
                { name = p, rule = peer-1.4.3, imputation = worst-clip, moving-average { kind = class-balanced, window = 0 } }
              ]
              outputs { directory = "out dir", journal { flush-events = 3, flush-bytes = 2 KiB, record-predictions = off, record-interval-scores = off }, summary { json = off } }
            }
            """);
        var again = ScenarioLoader.LoadString(ScenarioRenderer.ToHocon(s), "rendered");
        Assert.Equal(s, again);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), again.Timeline.CutoffBeforeResolution);
        Assert.Equal(2048, again.Outputs.FlushBytes);
        Assert.Equal(new SequentialValidator("shared-quadratic", "shared-quadratic"), again.Validators[1]);
        Assert.False(again.Outputs.RecordIntervalScores);
    }

    [Fact]
    public void Interval_scores_are_recorded_by_default_and_can_be_switched_off()
    {
        var shipped = ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario("parity-cliff-fog.conf"));
        Assert.True(shipped.Outputs.RecordIntervalScores);
        Assert.Contains("record-interval-scores = true", ScenarioRenderer.ToHocon(shipped), StringComparison.Ordinal);
        var off = ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario("parity-cliff-fog.conf"), ["outputs.journal.record-interval-scores=off"]);
        Assert.False(off.Outputs.RecordIntervalScores);
        Assert.Equal(off, ScenarioLoader.LoadString(ScenarioRenderer.ToHocon(off), "rendered"));
        var bad = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(ScenarioTestFiles.ShippedScenario("parity-cliff-fog.conf"), ["outputs.journal.record-interval-scores=sometimes"]));
        Assert.Contains("record-interval-scores", bad.Message, StringComparison.Ordinal);
    }
}
