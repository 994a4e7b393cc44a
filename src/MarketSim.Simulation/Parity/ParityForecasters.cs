using System.Globalization;
using MarketSim.Simulation.Randomness;

namespace MarketSim.Simulation.Parity;

/// <summary>
/// A forecaster of the parity world: a pure function of its parameters, the world (d, k, α, S,
/// seed) and the event's inputs z. Output names follow parity.md §3.
/// </summary>
public abstract class ParityForecaster
{
    /// <summary>The forecaster's name in reports (parity.md §3).</summary>
    public abstract string Name { get; }

    /// <summary>q for one event with inputs z (±1).</summary>
    public abstract double Forecast(ParityWorld world, ReadOnlySpan<sbyte> z);

    /// <summary>q for every row of a batch (same values as <see cref="Forecast(ParityWorld, ReadOnlySpan{sbyte})"/> row by row).</summary>
    public virtual double[] Forecast(ParityRows rows)
    {
        var q = new double[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            q[r] = ForecastFromChi(rows.World, rows.Chi[r]);
        }

        return q;
    }

    /// <summary>Every forecaster here depends on z only through χ_S(z).</summary>
    protected abstract double ForecastFromChi(ParityWorld world, int chi);

    /// <summary>Formats a parameter as Python's repr of a float does for ordinary values (0.95, 1.0).</summary>
    public static string FormatParameter(double value)
    {
        var s = value.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains("Infinity") || s.Contains("NaN") ? s : s + ".0";
    }
}

/// <summary><c>oracle</c>: q = f.</summary>
internal sealed class OracleForecaster : ParityForecaster
{
    public override string Name => "oracle";

    public override double Forecast(ParityWorld world, ReadOnlySpan<sbyte> z) => world.Truth(z);

    protected override double ForecastFromChi(ParityWorld world, int chi) => chi > 0 ? world.FPlus : world.FMinus;
}

/// <summary><c>const_&lt;c&gt;</c>: q = c (default 1/2).</summary>
internal sealed class ConstantForecaster(double value = 0.5) : ParityForecaster
{
    public double Value { get; } = value;

    public override string Name => "const_" + FormatParameter(Value);

    public override double Forecast(ParityWorld world, ReadOnlySpan<sbyte> z) => Value;

    protected override double ForecastFromChi(ParityWorld world, int chi) => Value;
}

/// <summary><c>diff_analytic_rho=&lt;ρ&gt;</c>: q = T_ρ f = 1/2 + (α/2)·ρ^k·χ_S(z).</summary>
internal sealed class DiffusionAnalyticForecaster : ParityForecaster
{
    public DiffusionAnalyticForecaster(double rho)
    {
        if (!(rho >= 0 && rho <= 1))
        {
            throw new ArgumentException($"rho must lie in [0, 1] (got {FormatParameter(rho)})", nameof(rho));
        }

        Rho = rho;
    }

    public double Rho { get; }

    public override string Name => "diff_analytic_rho=" + FormatParameter(Rho);

    public override double Forecast(ParityWorld world, ReadOnlySpan<sbyte> z) => ForecastFromChi(world, world.Chi(z));

    protected override double ForecastFromChi(ParityWorld world, int chi) =>
        0.5 + (0.5 * world.Alpha * Math.Pow(Rho, world.K) * chi);
}

/// <summary><c>L_query_oracle(L=&lt;L&gt;)</c>: the optimal depth-L AR forecast, f if L ≥ k, else 1/2.</summary>
internal sealed class LQueryOracleForecaster : ParityForecaster
{
    public LQueryOracleForecaster(int l)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(l);
        L = l;
    }

    public int L { get; }

    public override string Name => $"L_query_oracle(L={L})";

    public override double Forecast(ParityWorld world, ReadOnlySpan<sbyte> z) => ForecastFromChi(world, world.Chi(z));

    protected override double ForecastFromChi(ParityWorld world, int chi) =>
        L >= world.K ? (chi > 0 ? world.FPlus : world.FMinus) : 0.5;
}

/// <summary>
/// <c>L_query_chains(L=&lt;L&gt;,K=&lt;K&gt;)</c>: K randomized L-query chains (parity.md §3,
/// <c>cliff_fog</c>). Chain j draws one uniform L-subset of the d coordinates from stream
/// <see cref="RngStreams.ParityChains"/> keyed by (chain seed = world seed + 100L + K, j); the
/// subset is shared by all rows. A chain outputs f when S ⊆ its subset, else 1/2; the K outputs
/// are averaged. K ≤ 1 falls back to <see cref="LQueryOracleForecaster"/> (its name included).
/// </summary>
internal sealed class RandomizedChainsForecaster : ParityForecaster
{
    private readonly LQueryOracleForecaster _surrogate;

    public RandomizedChainsForecaster(int l, int chains)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(l);
        L = l;
        Chains = chains;
        _surrogate = new LQueryOracleForecaster(l);
    }

    public int L { get; }

    public int Chains { get; }

    public override string Name => Chains <= 1 ? _surrogate.Name : $"L_query_chains(L={L},K={Chains})";

    /// <summary>The chain seed of parity.md §3: seed + 100L + K.</summary>
    public long ChainSeed(ParityWorld world) => world.Seed + (100L * L) + Chains;

    /// <summary>Chain j's coordinate subset (ascending).</summary>
    public int[] ChainSubset(ParityWorld world, int j)
    {
        if (L > world.D)
        {
            throw new ArgumentException($"L = {L} exceeds d = {world.D}; chains cannot draw an L-subset");
        }

        return CounterRng.SampleSubset(world.D, L, unchecked((ulong)ChainSeed(world)), RngStreams.ParityChains, (ulong)j);
    }

    /// <summary>Number of chains whose subset contains S.</summary>
    public int ExactChains(ParityWorld world)
    {
        var m = 0;
        for (var j = 0; j < Chains; j++)
        {
            var subset = ChainSubset(world, j);
            if (world.S.All(i => Array.BinarySearch(subset, i) >= 0))
            {
                m++;
            }
        }

        return m;
    }

    public override double Forecast(ParityWorld world, ReadOnlySpan<sbyte> z) =>
        Chains <= 1 ? _surrogate.Forecast(world, z) : Mix(world, ExactChains(world), world.Chi(z));

    public override double[] Forecast(ParityRows rows)
    {
        if (Chains <= 1)
        {
            return _surrogate.Forecast(rows);
        }

        var m = ExactChains(rows.World);
        var q = new double[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            q[r] = Mix(rows.World, m, rows.Chi[r]);
        }

        return q;
    }

    protected override double ForecastFromChi(ParityWorld world, int chi) =>
        Chains <= 1 ? (L >= world.K ? (chi > 0 ? world.FPlus : world.FMinus) : 0.5) : Mix(world, ExactChains(world), chi);

    private double Mix(ParityWorld world, int exact, int chi)
    {
        var f = chi > 0 ? world.FPlus : world.FMinus;
        return ((exact * f) + ((Chains - exact) * 0.5)) / Chains;
    }
}
