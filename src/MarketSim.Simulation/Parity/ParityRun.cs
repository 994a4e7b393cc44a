using MarketSim.Scoring.Metrics;

namespace MarketSim.Simulation.Parity;

/// <summary>Options of the <c>parity</c> run (defaults = parity.md §5 default run).</summary>
public sealed record ParityRunOptions
{
    /// <summary>d: number of input bits.</summary>
    public int D { get; init; } = 16;

    /// <summary>k: size of the parity set S.</summary>
    public int K { get; init; } = 8;

    /// <summary>α: signal amplitude.</summary>
    public double Alpha { get; init; } = 0.8;

    /// <summary>n: rows evaluated.</summary>
    public int N { get; init; } = 50_000;

    /// <summary>ρ of the diffusion forecaster T_ρ f.</summary>
    public double Rho { get; init; } = 0.95;

    /// <summary>L: query depth of the AR surrogate (and of each chain).</summary>
    public int L { get; init; } = 4;

    /// <summary>World seed.</summary>
    public long Seed { get; init; }

    /// <summary>ECE bins.</summary>
    public int Bins { get; init; } = 20;

    /// <summary>Transaction cost c of the arbitrage metric.</summary>
    public double Cost { get; init; }

    /// <summary>Number of randomized chains; ≤ 1 uses the deterministic surrogate L_query_oracle.</summary>
    public int Chains { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message for a bad value.</summary>
    public void Validate()
    {
        ParityWorld.Validate(D, K, Alpha);
        ParityValidation.Common(N, Rho, L, Bins, Cost);
        if (Chains > 1 && L > D)
        {
            throw new ArgumentException($"L must not exceed d when K > 1 (got L = {L}, d = {D})");
        }
    }
}

/// <summary>The result of a <c>parity</c> run: world, options and one metrics row per forecaster.</summary>
public sealed record ParityRunResult(ParityRunOptions Options, IReadOnlyList<int> S, IReadOnlyList<ForecastMetrics> Forecasters);

/// <summary>The <c>parity</c> experiment: oracle, constant, analytic diffusion and the AR surrogate (or K chains).</summary>
public static class ParityRun
{
    /// <summary>The forecasters of the run, in report order: oracle, constant 1/2, analytic diffusion, then the AR surrogate or the chains.</summary>
    public static IReadOnlyList<ParityForecaster> Forecasters(ParityRunOptions o) =>
    [
        new OracleForecaster(),
        new ConstantForecaster(0.5),
        new DiffusionAnalyticForecaster(o.Rho),
        o.Chains > 1 ? new RandomizedChainsForecaster(o.L, o.Chains) : new LQueryOracleForecaster(o.L),
    ];

    /// <summary>Runs the experiment on a fresh world (validates the options first).</summary>
    public static ParityRunResult Run(ParityRunOptions o)
    {
        o.Validate();
        var world = new ParityWorld(o.D, o.K, o.Alpha, o.Seed);
        var rows = world.Generate(0, o.N);
        var metrics = new List<ForecastMetrics>();
        foreach (var forecaster in Forecasters(o))
        {
            var q = forecaster.Forecast(rows);
            metrics.Add(Calibration.Evaluate(forecaster.Name, q, rows.Y, rows.F, o.Bins, o.Cost));
        }

        return new ParityRunResult(o, world.S, metrics);
    }
}

internal static class ParityValidation
{
    public static void Common(int n, double rho, int l, int bins, double cost)
    {
        if (n <= 0)
        {
            throw new ArgumentException($"n must be positive (got {n})");
        }

        if (!(rho >= 0 && rho <= 1))
        {
            throw new ArgumentException($"rho must satisfy 0 <= rho <= 1 (got {ParityForecaster.FormatParameter(rho)})");
        }

        if (l < 0)
        {
            throw new ArgumentException($"L must be non-negative (got {l})");
        }

        if (bins < 1)
        {
            throw new ArgumentException($"bins must be at least 1 (got {bins})");
        }

        if (!(cost >= 0) || double.IsInfinity(cost))
        {
            throw new ArgumentException($"cost must be a finite non-negative number (got {ParityForecaster.FormatParameter(cost)})");
        }
    }
}
