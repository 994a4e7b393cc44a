using System.Globalization;
using System.Text.RegularExpressions;
using MarketSim.Hocon;
using MarketSim.Simulation.Scenarios;

namespace MarketSim.Scenarios;

/// <summary>
/// Loads a scenario file strictly: <c>--set</c> overrides on top, the file, then the defaults of
/// MarketSim.Scenarios' <c>reference.conf</c>; then checks every key under <c>marketsim.scenario</c>
/// and reports all problems at once as a <see cref="ScenarioException"/> (exit code 2).
/// </summary>
public static partial class ScenarioLoader
{
    /// <summary>Where the scenario lives in the configuration tree.</summary>
    public const string ScenarioPath = "marketsim.scenario";

    /// <summary>Worker threads: <c>auto</c> (processor count) or a positive integer.</summary>
    public const string ParallelismPath = "marketsim.parallelism";

    /// <summary>The deployment block choosing the journal backend.</summary>
    public const string PersistencePath = "marketsim.persistence";

    private const string ReferenceResource = "MarketSim.Scenarios.reference.conf";
    private static readonly Lazy<Config> ReferenceConfig = new(() => ConfigFactory.FromResource(typeof(ScenarioLoader).Assembly, ReferenceResource));

    /// <summary>The scenario defaults (this module's embedded reference.conf).</summary>
    public static Config Reference => ReferenceConfig.Value;

    /// <summary>Loads and validates the scenario file at <paramref name="path"/>.</summary>
    /// <param name="path">The scenario file (HOCON).</param>
    /// <param name="overrides"><c>path=value</c> assignments (<c>--set</c>); later ones win. A path that does not start with
    /// <c>marketsim.</c> is taken relative to <c>marketsim.scenario</c> (<c>timeline.events=10</c>).</param>
    /// <param name="seed">The <c>--seed</c> option: replaces <c>marketsim.scenario.seed</c> (wins over <paramref name="overrides"/>).</param>
    /// <exception cref="ScenarioException">The file is missing or malformed, or any key is unknown, mistyped or out of range.</exception>
    public static Scenario Load(string path, IReadOnlyList<string>? overrides = null, long? seed = null) =>
        LoadRun(path, overrides, seed).Scenario;

    /// <summary>Like <see cref="Load"/>, with the deployment (<c>marketsim.parallelism</c>, <c>marketsim.persistence</c>) read from the same file.</summary>
    public static LoadedScenario LoadRun(string path, IReadOnlyList<string>? overrides = null, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var sink = new ErrorSink();
        Config? file = null;
        try
        {
            file = ConfigFactory.ParseFile(path);
        }
        catch (HoconParseException e)
        {
            sink.Add(new ConfigOrigin(e.File, e.Line, e.Column), string.Empty, e.Detail);
        }
        catch (ConfigException e)
        {
            sink.Add(e.ConfigOrigin ?? new ConfigOrigin(path, 0, 0), e.Path ?? string.Empty, e.Message);
        }
        catch (IOException e)
        {
            sink.Add(new ConfigOrigin(path, 0, 0), string.Empty, e.Message);
        }

        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var loaded = Build(path, file, name, overrides, seed, sink);
        return loaded with { Scenario = ResolvePaths(loaded.Scenario, path) };
    }

    /// <summary>A replay's dataset and prices folder, relative to the scenario file, become absolute and must exist.</summary>
    private static Scenario ResolvePaths(Scenario scenario, string scenarioFile)
    {
        if (scenario.World is not PolymarketWorldSettings pm)
        {
            return scenario;
        }

        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(scenarioFile)) ?? ".";
        string Full(string p) => p.Length == 0 ? p : System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, p));
        var resolved = pm with { Dataset = Full(pm.Dataset), Prices = Full(pm.Prices) };
        var errors = new List<ScenarioError>();
        if (!File.Exists(resolved.Dataset) && !Directory.Exists(resolved.Dataset))
        {
            errors.Add(new ScenarioError(new ConfigOrigin(scenarioFile, 0, 0), ScenarioPath + ".world.polymarket.dataset", $"{resolved.Dataset} does not exist; build a dataset with: marketsim pm import --data-dir DATA_DIR --out {pm.Dataset} (docs/polymarket.md)"));
        }

        if (resolved.Prices.Length > 0 && !Directory.Exists(resolved.Prices))
        {
            errors.Add(new ScenarioError(new ConfigOrigin(scenarioFile, 0, 0), ScenarioPath + ".world.polymarket.prices", $"folder {resolved.Prices} does not exist"));
        }

        if (errors.Count > 0)
        {
            throw new ScenarioException(scenarioFile, errors);
        }

        return scenario with { World = resolved };
    }

    /// <summary>Loads a scenario from HOCON text (<paramref name="origin"/> names it in messages).</summary>
    public static Scenario LoadString(string hocon, string origin = "<string>", IReadOnlyList<string>? overrides = null, long? seed = null) =>
        LoadRunString(hocon, origin, overrides, seed).Scenario;

    /// <summary>Like <see cref="LoadString"/>, with the deployment read from the same text.</summary>
    public static LoadedScenario LoadRunString(string hocon, string origin = "<string>", IReadOnlyList<string>? overrides = null, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        var sink = new ErrorSink();
        Config? file = null;
        try
        {
            file = ConfigFactory.ParseString(hocon, origin);
        }
        catch (HoconParseException e)
        {
            sink.Add(new ConfigOrigin(e.File, e.Line, e.Column), string.Empty, e.Detail);
        }
        catch (ConfigException e)
        {
            sink.Add(e.ConfigOrigin ?? new ConfigOrigin(origin, 0, 0), e.Path ?? string.Empty, e.Message);
        }

        return Build(origin, file, "scenario", overrides, seed, sink);
    }

    /// <summary>
    /// Turns <c>path=value</c> assignments into a Config (later ones win). The value is HOCON (<c>8</c>, <c>5s</c>,
    /// <c>[1,2]</c>, <c>"quoted"</c>); text that is not valid HOCON is taken as a literal string. Errors go to <paramref name="errors"/>.
    /// </summary>
    public static Config ParseOverrides(IReadOnlyList<string> assignments, ICollection<ScenarioError> errors)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        ArgumentNullException.ThrowIfNull(errors);
        var result = Config.Empty;
        for (var i = 0; i < assignments.Count; i++)
        {
            var one = ParseOverride(assignments[i], $"--set #{(i + 1).ToString(CultureInfo.InvariantCulture)}", errors);
            if (one is not null)
            {
                result = one.WithFallback(result);
            }
        }

        return result;
    }

    private static Config? ParseOverride(string assignment, string origin, ICollection<ScenarioError> errors)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            errors.Add(new ScenarioError(new ConfigOrigin(origin, 1, 1), string.Empty, $"--set expects path=value, got {HoconText.Quote(assignment)}"));
            return null;
        }

        var path = assignment[..eq].Trim();
        var value = assignment[(eq + 1)..].Trim();
        if (!path.StartsWith("marketsim.", StringComparison.Ordinal))
        {
            path = ScenarioPath + "." + path;
        }

        try
        {
            HoconPath.Parse(path);
        }
        catch (ConfigException e)
        {
            errors.Add(new ScenarioError(new ConfigOrigin(origin, 1, 1), path, e.Message));
            return null;
        }

        try
        {
            return ConfigFactory.ParseAssignment(path, value, origin);
        }
        catch (HoconParseException e)
        {
            errors.Add(new ScenarioError(new ConfigOrigin(e.File, e.Line, e.Column), path, e.Detail));
            return null;
        }
    }

    private static LoadedScenario Build(string source, Config? file, string defaultName, IReadOnlyList<string>? overrides, long? seed, ErrorSink sink)
    {
        var over = ParseOverrides(overrides ?? [], sink.Errors);
        if (seed is { } s)
        {
            over = ConfigFactory.ParseString($"{ScenarioPath}.seed = {s.ToString(CultureInfo.InvariantCulture)}", "--seed").WithFallback(over);
        }

        if (file is null || sink.Errors.Count > 0)
        {
            throw new ScenarioException(source, sink.Errors);
        }

        HoconObject root;
        try
        {
            root = over.WithFallback(file).WithFallback(Reference).Root;
        }
        catch (ConfigException e)
        {
            sink.Add(e.ConfigOrigin ?? new ConfigOrigin(source, 0, 0), e.Path ?? string.Empty, e.Message);
            throw new ScenarioException(source, sink.Errors);
        }
        catch (HoconParseException e)
        {
            sink.Add(new ConfigOrigin(e.File, e.Line, e.Column), string.Empty, e.Detail);
            throw new ScenarioException(source, sink.Errors);
        }

        var scenario = Read(root, defaultName, sink);
        if (scenario is null || sink.Errors.Count > 0)
        {
            throw new ScenarioException(source, Sorted(sink.Errors));
        }

        return scenario;
    }

    private static List<ScenarioError> Sorted(List<ScenarioError> errors) =>
        [.. errors.Select((e, i) => (e, i))
            .OrderBy(x => x.e.Origin.File, StringComparer.Ordinal)
            .ThenBy(x => x.e.Origin.Line)
            .ThenBy(x => x.e.Origin.Column)
            .ThenBy(x => x.i)
            .Select(x => x.e)];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();

    private const string NameRule = "1-100 characters: letters, digits, '.', '_', '-' (not starting with '.', '_' or '-')";

    private static LoadedScenario? Read(HoconObject root, string defaultName, ErrorSink sink)
    {
        var top = new ObjectReader(root, string.Empty, sink);
        var ms = top.Child("marketsim");
        top.Finish(key => $"unknown key; a scenario file holds only {ScenarioPath} {{ ... }}, {ParallelismPath} and {PersistencePath} {{ ... }}");
        if (ms is null)
        {
            return null;
        }

        var parallelism = ReadParallelism(ms);
        var persistence = ReadPersistence(ms.Child("persistence"));
        var sc = ms.Child("scenario");
        ms.Finish();
        if (sc is null)
        {
            return null;
        }

        var name = sc.String("name", defaultName);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            sc.Error("name", $"invalid name {HoconText.Quote(name)}; expected {NameRule}");
        }

        var description = sc.String("description", string.Empty);
        var seed = sc.Long("seed", null, 0, long.MaxValue);
        var world = ReadWorld(sc.Child("world"));
        var timeline = ReadTimeline(sc.Child("timeline"));
        var miners = ReadMiners(sc, world);
        var validators = ReadValidators(sc);
        var shardSize = sc.Int("shard-size", null, 1, 1_000_000);
        var outputs = ReadOutputs(sc.Child("outputs"));
        var metrics = ReadMetrics(sc.Child("metrics"));
        var marketMaker = ReadMarketMaker(sc.Child("marketmaker"), miners);
        if (world?.Kind == "parity" && marketMaker is { IsLmsr: false } && miners is not null && miners.Any(g => g is MarketFollowerMiners))
        {
            sc.Error("miners", "a market-follower miner in the parity world needs a market: set marketmaker.kind = lmsr");
        }

        if (world?.Kind == "parity" && marketMaker?.Kind == "replay")
        {
            sc.Error("marketmaker", "marketmaker.kind = replay replays real price paths: it needs world.kind = polymarket (use lmsr in the parity world)");
        }
        sc.Finish();

        if (name is null || description is null || seed is null || world is null || timeline is null || miners is null
            || validators is null || shardSize is null || outputs is null || parallelism is null || metrics is null || persistence is null || marketMaker is null)
        {
            return null;
        }

        var scenario = new Scenario(name, description, seed.Value, world, timeline, miners, validators, shardSize.Value, outputs, metrics) { MarketMaker = marketMaker };
        return new LoadedScenario(scenario, new RunDeployment(parallelism.Value, persistence));
    }

    private static MetricsSettings? ReadMetrics(ObjectReader? m)
    {
        if (m is null)
        {
            return null;
        }

        var budget = m.Double("arbitrage-budget", null, x => x > 0 && x <= 1e12, "a number in (0, 1e12]");
        var cost = m.Double("transaction-cost", null, x => x >= 0 && x <= 1, "a number in [0, 1]");
        var bins = m.Int("ece-bins", null, 1, 100_000);
        m.Finish();
        return budget is null || cost is null || bins is null ? null : new MetricsSettings(budget.Value, cost.Value, bins.Value);
    }

    private static MarketMakerSettings? ReadMarketMaker(ObjectReader? m, EquatableList<MinerGroup>? miners)
    {
        if (m is null)
        {
            return null;
        }

        var kind = m.String("kind", null, ["auto", "none", "replay", "lmsr"]);
        var liquidity = m.Double("liquidity", null, x => x > 0 && x <= 1e12, "a number in (0, 1e12]");
        var initial = m.Double("initial-price", null, x => x > 0 && x < 1, "a number in (0, 1)");
        var budget = m.Double("budget", null, x => x >= 0 && x <= 1e15, "a number in [0, 1e15]");
        var maxSpend = m.Double("max-spend", null, x => x > 0 && x <= 1e15, "a number in (0, 1e15]");
        var traders = m.StringList("traders");
        if (traders is not null && miners is not null)
        {
            foreach (var t in traders)
            {
                if (!miners.Any(g => g.Name == t))
                {
                    m.Error("traders", $"no miner group named {HoconText.Quote(t)}; expected names of this scenario's miner groups ({string.Join(", ", miners.Select(g => g.Name))})");
                    traders = null;
                    break;
                }
            }
        }

        m.Finish();
        return kind is null || liquidity is null || initial is null || budget is null || maxSpend is null || traders is null
            ? null
            : new MarketMakerSettings(kind, liquidity.Value, initial.Value, budget.Value, maxSpend.Value, new EquatableList<string>(traders));
    }

    private static PersistenceSettings? ReadPersistence(ObjectReader? p)
    {
        if (p is null)
        {
            return null;
        }

        var journal = p.String("journal", null, ScenarioVocabulary.JournalKinds);
        var pg = p.Child("postgres");
        string? cs = null, schema = null;
        if (pg is not null)
        {
            cs = pg.String("connection-string", null);
            schema = pg.String("schema", null);
            if (schema is { Length: > 0 } && !PostgresSchemaPattern().IsMatch(schema))
            {
                pg.Error("schema", $"invalid schema name {HoconText.Quote(schema)}; expected 1-63 characters: lower-case letters, digits, '_' (starting with a letter or '_')");
                schema = null;
            }

            pg.Finish();
        }

        p.Finish();
        if (journal is null || cs is null || schema is null)
        {
            return null;
        }

        if (journal == "postgres" && cs.Length == 0)
        {
            p.Error("journal", "journal = postgres needs marketsim.persistence.postgres.connection-string (or MARKETSIM_POSTGRES in the environment), e.g. --set marketsim.persistence.postgres.connection-string=\"Host=127.0.0.1;Port=5432;Username=marketsim;Password=...;Database=marketsim\"");
            return null;
        }

        return new PersistenceSettings(journal, cs, schema);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex PostgresSchemaPattern();

    private static int? ReadParallelism(ObjectReader ms)
    {
        var raw = ms.Raw("parallelism");
        if (raw is HoconScalar { Text: "auto" })
        {
            return Environment.ProcessorCount;
        }

        if (raw is null)
        {
            ms.Error("parallelism", "missing required key; expected auto or an integer in [1, 1024]");
            return null;
        }

        var value = ms.Int("parallelism", null, 1, 1024);
        return value;
    }

    private static WorldSettings? ReadWorld(ObjectReader? w)
    {
        if (w is null)
        {
            return null;
        }

        var kind = w.String("kind", null);
        if (kind is not null && !ScenarioVocabulary.WorldKinds.Contains(kind))
        {
            if (ScenarioVocabulary.ReservedWorldKinds.Contains(kind))
            {
                w.Error("kind", $"world kind {HoconText.Quote(kind)} is not available yet; expected one of {string.Join(", ", ScenarioVocabulary.WorldKinds)}");
            }
            else
            {
                var hint = Suggest.Nearest(kind, ScenarioVocabulary.WorldKinds);
                w.Error("kind", $"unknown value {HoconText.Quote(kind)}; expected one of {string.Join(", ", ScenarioVocabulary.WorldKinds)}" + (hint is null ? string.Empty : $" (did you mean '{hint}'?)"));
            }

            kind = null;
        }

        var d = w.Int("d", null, 1, 64);
        var k = w.Int("k", null, 1, 64);
        if (d is { } dd && k is { } kk && kk > dd)
        {
            w.Error("k", $"value {kk} is out of range; expected an integer in [1, d = {dd}] (k > d)");
            k = null;
        }

        var alpha = w.Double("alpha", null, a => a > 0 && a <= 1, "a number in (0, 1]");
        var set = w.IntList("parity-set");
        EquatableList<int>? paritySet = null;
        if (set is not null && d is { } d2 && k is { } k2)
        {
            var ok = true;
            if (set.Count != k2)
            {
                w.Error("parity-set", $"has {set.Count} coordinates; expected exactly k = {k2}");
                ok = false;
            }

            if (set.Any(i => i < 0 || i >= d2))
            {
                w.Error("parity-set", $"value [{string.Join(", ", set)}] is out of range; expected coordinates in [0, {d2 - 1}]");
                ok = false;
            }

            if (set.Distinct().Count() != set.Count)
            {
                w.Error("parity-set", $"value [{string.Join(", ", set)}] repeats a coordinate; expected {k2} distinct coordinates");
                ok = false;
            }

            paritySet = ok ? new EquatableList<int>(set.Order()) : null;
        }

        var pmReader = w.Child("polymarket");
        PolymarketWorldSettings? pm = null;
        if (pmReader is not null)
        {
            var dataset = pmReader.String("dataset", null);
            var prices = pmReader.String("prices", null);
            var compression = pmReader.Double("compression", null, x => x >= 1 && x <= 1e9, "a number in [1, 1e9]");
            var train = pmReader.Double("train-fraction", null, x => x >= 0 && x < 1, "a number in [0, 1)");
            var max = pmReader.Int("max-markets", null, 0, 10_000_000);
            if (kind == "polymarket" && dataset is { Length: 0 })
            {
                pmReader.Error("dataset", "is empty; a polymarket world needs a dataset (.parquet from marketsim pm import)");
                dataset = null;
            }

            pmReader.Finish();
            pm = dataset is null || prices is null || compression is null || train is null || max is null
                ? null
                : new PolymarketWorldSettings(dataset, prices, compression.Value, train.Value, max.Value);
        }

        w.Finish();
        // Both sections are checked whatever the kind (a typo is an error in either); the world holds its kind's own.
        return kind is null || d is null || k is null || alpha is null || pm is null || (set is not null && paritySet is null)
            ? null
            : kind == "polymarket" ? pm : new ParityWorldSettings(d.Value, k.Value, alpha.Value, paritySet);
    }

    private static readonly DateTimeOffset MaxEpoch = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TimelineSettings? ReadTimeline(ObjectReader? t)
    {
        if (t is null)
        {
            return null;
        }

        DateTimeOffset? epoch = null;
        var epochText = t.String("epoch", null);
        if (epochText is not null)
        {
            if (DateTimeOffset.TryParse(epochText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var e)
                && e.Year >= 1970 && e < MaxEpoch)
            {
                epoch = e.ToUniversalTime();
            }
            else
            {
                t.Error("epoch", $"invalid value {HoconText.Quote(epochText)}; expected a UTC time such as \"2024-01-01T00:00:00Z\" (years 1970-2199)");
            }
        }

        var maxDuration = TimeSpan.FromDays(3650);
        var interval = t.Duration(
            "interval-length",
            null,
            x => x > TimeSpan.Zero && x.Ticks % TimeSpan.TicksPerMinute == 0 && x <= TimeSpan.FromDays(7),
            "a positive duration of whole minutes, at most 7 d (e.g. 240 m, 4 h)");
        var events = t.Int("events", null, 1, 100_000_000);
        var perDay = t.Int("events-per-day", null, 1, 1_000_000);
        var lifetime = t.Duration("lifetime", null, x => x > TimeSpan.Zero && x <= maxDuration, "a positive duration, at most 3650 d");
        var cutoff = t.Duration("cutoff-before-resolution", null, x => x >= TimeSpan.Zero && x <= maxDuration, "a duration ≥ 0 and < lifetime");
        if (lifetime is { } lt && cutoff is { } co && co >= lt)
        {
            t.Error("cutoff-before-resolution", $"value {t.Raw("cutoff-before-resolution")} is out of range; expected a duration ≥ 0 and < lifetime ({t.Raw("lifetime")})");
            cutoff = null;
        }

        if (lifetime is { } lt2 && cutoff is { } co2 && interval is { } iv && lt2 - co2 < iv)
        {
            t.Error("lifetime", $"value {t.Raw("lifetime")} leaves no scored interval: lifetime − cutoff-before-resolution = {Format(lt2 - co2)} is shorter than interval-length {Format(iv)}");
            lifetime = null;
        }

        if (epoch is { } ep && interval is { } iv3 && events is { } n && perDay is { } pd && lifetime is { } lt3)
        {
            // The last event resolves at epoch + (events − 1) days / events-per-day + lifetime (plus an interval of slack):
            // it must be a representable time, or the run would fail deep inside with an arithmetic error.
            var end = (Int128)ep.UtcTicks + ((Int128)(n - 1) * TimeSpan.TicksPerDay / pd) + lt3.Ticks + iv3.Ticks;
            if (end > DateTimeOffset.MaxValue.UtcTicks)
            {
                var days = (double)((Int128)(n - 1) / pd);
                t.Error("events", string.Create(CultureInfo.InvariantCulture, $"value {n} at events-per-day = {pd} runs the timeline past the year 9999 ({days:0} days after the epoch {ep:yyyy-MM-dd}); use fewer events or more per day"));
            }
        }

        t.Finish();
        return epoch is null || interval is null || events is null || perDay is null || lifetime is null || cutoff is null
            ? null
            : new TimelineSettings(epoch.Value, interval.Value, events.Value, perDay.Value, lifetime.Value, cutoff.Value);
    }

    private static string Format(TimeSpan t) => ScenarioRenderer.FormatDuration(t);

    private static readonly Dictionary<string, string[]> MinerKeys = new(StringComparer.Ordinal)
    {
        ["oracle"] = [],
        ["constant"] = ["value"],
        ["ar-depth"] = ["depth"],
        ["random-chains"] = ["depth", "chains"],
        ["diffusion"] = ["rho"],
        ["faulty"] = ["value", "rate"],
        ["market-follower"] = ["delay"],
        ["base-rate"] = [],
        ["text-baseline"] = [],
        ["llm"] = ["llm"],
    };

    private static EquatableList<MinerGroup>? ReadMiners(ObjectReader sc, WorldSettings? world)
    {
        var list = sc.ObjectList("miners");
        if (list is null)
        {
            return null;
        }

        if (list.Count == 0)
        {
            sc.Error("miners", "is empty; expected at least one miner group");
            return null;
        }

        var groups = new List<MinerGroup>();
        var names = new Dictionary<string, ObjectReader>(StringComparer.Ordinal);
        var next = 0;
        var failed = false;
        foreach (var m in list)
        {
            var kind = m.String("kind", null, ScenarioVocabulary.MinerKinds);
            TimeSpan? delay = null;
            MarketSim.Llm.LlmSettings? llm = null;
            var llmOk = true;
            if (kind is not null && world is not null)
            {
                var allowed = world.Kind == "polymarket" ? ScenarioVocabulary.PolymarketMinerKinds : ScenarioVocabulary.ParityMinerKinds;
                if (!allowed.Contains(kind))
                {
                    m.Error("kind", $"miner kind {HoconText.Quote(kind)} does not play the {world.Kind} world; expected one of {string.Join(", ", allowed)}");
                    kind = null;
                }
            }
            var count = m.Int("count", 1, 1, 1_000_000);
            double? value = null, rho = null, rate = null;
            var faultyValueOk = true;
            int? depth = null, chains = null;
            var maxDepth = (world as ParityWorldSettings)?.D ?? 64;
            switch (kind)
            {
                case "constant":
                    value = m.Double("value", 0.5, x => x >= 0 && x <= 1, "a number in [0, 1]");
                    break;
                case "ar-depth":
                    depth = m.Int("depth", null, 0, maxDepth);
                    break;
                case "random-chains":
                    depth = m.Int("depth", null, 0, maxDepth);
                    chains = m.Int("chains", null, 1, 10_000);
                    break;
                case "diffusion":
                    rho = m.Double("rho", null, x => x >= 0 && x <= 1, "a number in [0, 1]");
                    break;
                case "market-follower":
                    delay = m.Duration("delay", TimeSpan.Zero, x => x >= TimeSpan.Zero, "a duration >= 0");
                    break;
                case "llm":
                    try
                    {
                        llm = MarketSim.Llm.LlmSettingsConfig.FromConfig(m.RawConfig("llm") ?? ConfigFactory.Empty);
                    }
                    catch (Exception e) when (e is ArgumentException or ConfigException or FormatException)
                    {
                        m.Error("llm", e.Message);
                        llmOk = false;
                    }

                    break;
                case "faulty":
                    var text = m.String("value", null);
                    if (text is null)
                    {
                        faultyValueOk = false;
                    }
                    else if (!TryParseFaultyValue(text, out var raw))
                    {
                        m.Error("value", $"unknown value {HoconText.Quote(text)}; expected NaN, inf, -inf, none or a number");
                        faultyValueOk = false;
                    }
                    else
                    {
                        value = raw;
                    }

                    rate = m.Double("rate", 1.0, x => x > 0 && x <= 1, "a number in (0, 1]");
                    break;
            }

            var ok = kind is not null && count is not null
                && (kind != "constant" || value is not null)
                && (kind is not ("ar-depth" or "random-chains") || depth is not null)
                && (kind != "random-chains" || chains is not null)
                && (kind != "diffusion" || rho is not null)
                && (kind != "faulty" || (faultyValueOk && rate is not null))
                && (kind != "llm" || llmOk);
            var name = m.String("name", ok ? DefaultMinerName(kind!, value, depth, chains, rho, rate) : string.Empty);
            if (ok && name is not null)
            {
                if (name.Length == 0)
                {
                    m.Error("name", "is empty; expected a non-empty name");
                }
                else if (names.ContainsKey(name))
                {
                    var where = m.Has("name") ? "name" : "kind";
                    m.Error(where, $"miner group name {HoconText.Quote(name)} is used twice; give each group a distinct name");
                }
                else
                {
                    names[name] = m;
                    groups.Add(NewGroup(kind!, name, count!.Value, next, value, depth, chains, rho, rate, delay, llm));
                    next += count.Value;
                }
            }
            else
            {
                failed = true;
            }

            m.Finish(key => kind is not null && MinerKeys.Any(p => p.Key != kind && p.Value.Contains(key))
                ? $"does not apply to miner kind '{kind}' (it takes: kind, name, count{string.Concat(MinerKeys[kind].Select(k => ", " + k))})"
                : null);
        }

        return failed ? null : new EquatableList<MinerGroup>(groups);
    }

    /// <summary>The typed group of a validated miner entry: each kind takes exactly its own parameters.</summary>
    private static MinerGroup NewGroup(string kind, string name, int count, int first, double? value, int? depth, int? chains, double? rho, double? rate, TimeSpan? delay, MarketSim.Llm.LlmSettings? llm) => kind switch
    {
        "oracle" => new OracleMiners(name, count, first),
        "constant" => new ConstantMiners(name, count, first, value!.Value),
        "ar-depth" => new ArDepthMiners(name, count, first, depth!.Value),
        "random-chains" => new RandomChainsMiners(name, count, first, depth!.Value, chains!.Value),
        "diffusion" => new DiffusionMiners(name, count, first, rho!.Value),
        "faulty" => new FaultyMiners(name, count, first, value, rate!.Value),
        "market-follower" => new MarketFollowerMiners(name, count, first, delay ?? TimeSpan.Zero),
        "base-rate" => new BaseRateMiners(name, count, first),
        "text-baseline" => new TextBaselineMiners(name, count, first),
        "llm" => new LlmMiners(name, count, first, llm!),
        _ => throw new InvalidOperationException($"unreachable: miner kind '{kind}' passed validation without a record type"),
    };

    /// <summary>The spec's output name of a forecaster (docs/parity.md).</summary>
    public static string DefaultMinerName(string kind, double? value, int? depth, int? chains, double? rho, double? rate = null) => kind switch
    {
        "faulty" => $"faulty(value={FormatFaultyValue(value)},rate={FormatParameter(rate ?? 1)})",
        "oracle" => "oracle",
        "constant" => "const_" + FormatParameter(value ?? 0.5),
        "ar-depth" => $"L_query_oracle(L={depth})",
        "random-chains" => chains <= 1 ? $"L_query_oracle(L={depth})" : $"L_query_chains(L={depth},K={chains})",
        "diffusion" => "diff_analytic_rho=" + FormatParameter(rho ?? 0),
        "market-follower" => "market",
        "llm" => "llm",
        _ => kind,
    };

    /// <summary>
    /// A faulty miner's <c>value</c>: <c>NaN</c>, <c>inf</c> / <c>+inf</c> / <c>infinity</c>, <c>-inf</c> / <c>-infinity</c>
    /// (case-insensitive), <c>none</c> (no answer: null) or any decimal number.
    /// </summary>
    public static bool TryParseFaultyValue(string text, out double? value)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "nan":
                value = double.NaN;
                return true;
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
            case "none":
                value = null;
                return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x))
        {
            value = x;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>The text form of a faulty miner's value (parsed back by <see cref="TryParseFaultyValue"/>).</summary>
    public static string FormatFaultyValue(double? value) => value switch
    {
        null => "none",
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        { } x when double.IsNaN(x) => "NaN",
        { } x => FormatParameter(x),
    };

    private static string FormatParameter(double value)
    {
        var s = value.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) ? s : s + ".0";
    }

    private static EquatableList<ValidatorSettings>? ReadValidators(ObjectReader sc)
    {
        var list = sc.ObjectList("validators");
        if (list is null)
        {
            return null;
        }

        if (list.Count == 0)
        {
            sc.Error("validators", "is empty; expected at least one validator");
            return null;
        }

        var result = new List<ValidatorSettings>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var failed = false;
        foreach (var v in list)
        {
            var one = ReadValidator(v);
            if (one is null)
            {
                failed = true;
                continue;
            }

            if (!names.Add(one.Name))
            {
                v.Error(v.Has("name") ? "name" : "rule", $"validator name {HoconText.Quote(one.Name)} is used twice; give each validator a distinct name");
                failed = true;
                continue;
            }

            result.Add(one);
        }

        return failed ? null : new EquatableList<ValidatorSettings>(result);
    }

    private static ValidatorSettings? ReadValidator(ObjectReader v)
    {
        var rule = v.String("rule", null, ScenarioVocabulary.RulePresets);
        var name = v.String("name", rule ?? string.Empty);
        if (rule is not null && name is not null && !NamePattern().IsMatch(name))
        {
            v.Error("name", $"invalid name {HoconText.Quote(name)}; expected {NameRule}");
            name = null;
        }

        if (rule is null)
        {
            // Without a rule nothing else can be checked sensibly; still flag typos.
            foreach (var key in new[] { "interval-weights", "imputation", "moving-average", "k", "offset" })
            {
                v.Raw(key);
            }

            v.Finish();
            return null;
        }

        var family = ScenarioVocabulary.FamilyOf(rule);
        var preset = ScenarioVocabulary.DefaultsOf(name ?? rule, rule);
        var applies = new Dictionary<string, bool>(StringComparer.Ordinal)
        {
            ["interval-weights"] = family is RuleFamily.Legacy or RuleFamily.Peer,
            ["imputation"] = family is RuleFamily.Peer,
            ["moving-average"] = family is RuleFamily.Peer,
            ["k"] = family is RuleFamily.Legacy,
            ["offset"] = family is RuleFamily.Legacy,
        };
        var takes = string.Join(", ", applies.Where(p => p.Value).Select(p => p.Key));
        var ok = true;
        foreach (var (key, applicable) in applies)
        {
            if (!applicable && v.Has(key))
            {
                v.Error(key, $"does not apply to rule '{rule}' (its overrides: {(takes.Length == 0 ? "none" : takes)})");
                ok = false;
            }
        }

        ValidatorSettings? result = preset;
        switch (preset)
        {
            case LegacyValidator l:
                var weights = v.String("interval-weights", l.IntervalWeights, ScenarioVocabulary.IntervalWeights);
                var k = v.Double("k", l.K, x => x > 0 && x <= 1000, "a number in (0, 1000]");
                var offset = v.Double("offset", l.Offset, x => x >= 0 && x < 1, "a number in [0, 1)");
                result = weights is null || k is null || offset is null ? null : l with { IntervalWeights = weights, K = k.Value, Offset = offset.Value };
                break;
            case PeerValidator p:
                var pw = v.String("interval-weights", p.IntervalWeights, ScenarioVocabulary.IntervalWeights);
                var imputation = v.String("imputation", p.Imputation, ScenarioVocabulary.Imputations);
                var ma = p.MovingAverage;
                if (v.Raw("moving-average") is not null)
                {
                    var m = v.Child("moving-average");
                    if (m is null)
                    {
                        ma = null;
                    }
                    else
                    {
                        var kind = m.String("kind", p.MovingAverage.Kind, ScenarioVocabulary.MovingAverageKinds);
                        var window = m.Int("window", p.MovingAverage.Window, 0, 1_000_000);
                        m.Finish();
                        ma = kind is null || window is null ? null : new MovingAverageSettings(kind, window.Value);
                    }
                }

                result = pw is null || imputation is null || ma is null ? null : p with { IntervalWeights = pw, Imputation = imputation, MovingAverage = ma };
                break;
        }

        v.Finish();
        return ok && name is not null && result is not null ? result with { Name = name } : null;
    }

    private static OutputSettings? ReadOutputs(ObjectReader? o)
    {
        if (o is null)
        {
            return null;
        }

        var dir = o.String("directory", null);
        if (dir is { Length: 0 })
        {
            o.Error("directory", "is empty; expected a folder path");
            dir = null;
        }

        var journal = o.Child("journal");
        int? flushEvents = null;
        long? flushBytes = null;
        bool? predictions = null, intervalScores = null;
        if (journal is not null)
        {
            if (journal.Has("kind"))
            {
                journal.Error("kind", "outputs.journal.kind has moved: the backend is chosen with marketsim.persistence.journal = sqlite | postgres (or marketsim run --journal)");
            }

            flushEvents = journal.Int("flush-events", null, 1, 1_000_000);
            flushBytes = journal.ByteSize("flush-bytes", null, 1024, 1L << 32);
            predictions = journal.Bool("record-predictions", null);
            intervalScores = journal.Bool("record-interval-scores", null);
            journal.Finish();
        }

        var summary = o.Child("summary");
        bool? json = null, md = null;
        if (summary is not null)
        {
            json = summary.Bool("json", null);
            md = summary.Bool("markdown", null);
            summary.Finish();
        }

        o.Finish();
        return dir is null || flushEvents is null || flushBytes is null || predictions is null || intervalScores is null || json is null || md is null
            ? null
            : new OutputSettings(dir, flushEvents.Value, flushBytes.Value, predictions.Value, json.Value, md.Value, intervalScores.Value);
    }
}
