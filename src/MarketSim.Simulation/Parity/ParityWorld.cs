using System.Numerics;
using MarketSim.Simulation.Randomness;

namespace MarketSim.Simulation.Parity;

/// <summary>
/// The synthetic parity world (docs/parity.md): inputs z ∈ {−1,+1}^d uniform, truth
/// f(z) = 1/2 + (α/2)·χ_S(z), outcome y ~ Bernoulli(f(z)). S is drawn from the world stream
/// <see cref="RngStreams.ParitySet"/>; row i's bits and outcome come from
/// <see cref="RngStreams.ParityInputs"/> and <see cref="RngStreams.ParityOutcomes"/> keyed by
/// (seed, i) only, so any row, shard or batch can be generated on its own.
/// </summary>
public sealed class ParityWorld
{
    private readonly int[] _s;

    /// <param name="d">Number of input bits, d ≥ 1.</param>
    /// <param name="k">Size of the parity set, 1 ≤ k ≤ d.</param>
    /// <param name="alpha">Signal amplitude, 0 &lt; α ≤ 1.</param>
    /// <param name="seed">World seed.</param>
    /// <param name="s">Optional explicit parity set (k distinct coordinates in [0, d)); drawn when null.</param>
    public ParityWorld(int d, int k, double alpha, long seed = 0, IReadOnlyList<int>? s = null)
    {
        Validate(d, k, alpha);
        D = d;
        K = k;
        Alpha = alpha;
        Seed = seed;
        if (s is null)
        {
            _s = CounterRng.SampleSubset(d, k, SeedBits, RngStreams.ParitySet, 0);
        }
        else
        {
            if (s.Count != k)
            {
                throw new ArgumentException($"explicit S has {s.Count} coordinates; it must have k = {k}", nameof(s));
            }

            _s = [.. s];
            Array.Sort(_s);
            for (var t = 0; t < k; t++)
            {
                if (_s[t] < 0 || _s[t] >= d)
                {
                    throw new ArgumentException($"explicit S coordinate {_s[t]} is outside [0, {d})", nameof(s));
                }

                if (t > 0 && _s[t] == _s[t - 1])
                {
                    throw new ArgumentException($"explicit S repeats coordinate {_s[t]}", nameof(s));
                }
            }
        }

        if (d <= 64)
        {
            foreach (var i in _s)
            {
                SMask |= 1UL << i;
            }
        }
    }

    /// <summary>d: number of input bits.</summary>
    public int D { get; }

    /// <summary>k: size of the parity set S.</summary>
    public int K { get; }

    /// <summary>α: signal amplitude.</summary>
    public double Alpha { get; }

    /// <summary>World seed (picks S unless given, and keys every row).</summary>
    public long Seed { get; }

    /// <summary>The parity set, ascending.</summary>
    public IReadOnlyList<int> S => _s;

    /// <summary>S as a bit mask over the packed row bits (d ≤ 64 only; 0 otherwise).</summary>
    public ulong SMask { get; }

    /// <summary>f at χ_S = +1: 1/2 + α/2.</summary>
    public double FPlus => 0.5 + (0.5 * Alpha);

    /// <summary>f at χ_S = −1: 1/2 − α/2.</summary>
    public double FMinus => 0.5 - (0.5 * Alpha);

    internal ulong SeedBits => unchecked((ulong)Seed);

    private int Words => (D + 63) / 64;

    /// <summary>Throws <see cref="ArgumentException"/> unless d ≥ 1, 1 ≤ k ≤ d and 0 &lt; α ≤ 1.</summary>
    public static void Validate(int d, int k, double alpha)
    {
        if (d < 1)
        {
            throw new ArgumentException($"d must be at least 1 (got {d})", nameof(d));
        }

        if (k < 1 || k > d)
        {
            throw new ArgumentException($"k must satisfy 1 <= k <= d (got k = {k}, d = {d})", nameof(k));
        }

        if (!(alpha > 0 && alpha <= 1))
        {
            throw new ArgumentException($"alpha must satisfy 0 < alpha <= 1 (got {alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})", nameof(alpha));
        }
    }

    /// <summary>χ_S(z) for a ±1 row.</summary>
    public int Chi(ReadOnlySpan<sbyte> z)
    {
        var chi = 1;
        foreach (var i in _s)
        {
            chi *= z[i];
        }

        return chi;
    }

    /// <summary>f(z) = 1/2 + (α/2)·χ_S(z).</summary>
    public double Truth(ReadOnlySpan<sbyte> z) => Chi(z) > 0 ? FPlus : FMinus;

    /// <summary>Writes row i's inputs (±1) into <paramref name="z"/> (length d).</summary>
    public void RowInputs(long i, Span<sbyte> z)
    {
        if (z.Length != D)
        {
            throw new ArgumentException($"row buffer has length {z.Length}; d = {D}", nameof(z));
        }

        for (var w = 0; w < Words; w++)
        {
            var word = CounterRng.Hash(SeedBits, RngStreams.ParityInputs, unchecked((ulong)i), (ulong)w);
            var end = Math.Min(D, (w + 1) * 64);
            for (var j = w * 64; j < end; j++)
            {
                z[j] = ((word >> (j - (w * 64))) & 1) != 0 ? (sbyte)1 : (sbyte)-1;
            }
        }
    }

    /// <summary>Row i's outcome given its truth f: y = [u_i &lt; f].</summary>
    public byte Outcome(long i, double f) =>
        CounterRng.Uniform01(SeedBits, RngStreams.ParityOutcomes, unchecked((ulong)i)) < f ? (byte)1 : (byte)0;

    /// <summary>Rows start … start + count − 1 (each depends only on (seed, row index)).</summary>
    public ParityRows Generate(long start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rows = new ParityRows(this, start, count);
        var packed = D <= 64;
        var lowMask = D == 64 ? ulong.MaxValue : (1UL << D) - 1;
        for (var r = 0; r < count; r++)
        {
            var i = start + r;
            var z = rows.Z.AsSpan(r * D, D);
            if (packed)
            {
                var bits = CounterRng.Hash(SeedBits, RngStreams.ParityInputs, unchecked((ulong)i), 0) & lowMask;
                rows.Bits![r] = bits;
                for (var j = 0; j < D; j++)
                {
                    z[j] = ((bits >> j) & 1) != 0 ? (sbyte)1 : (sbyte)-1;
                }

                rows.Chi[r] = (BitOperations.PopCount(~bits & SMask) & 1) == 0 ? (sbyte)1 : (sbyte)-1;
            }
            else
            {
                RowInputs(i, z);
                rows.Chi[r] = (sbyte)Chi(z);
            }

            var f = rows.Chi[r] > 0 ? FPlus : FMinus;
            rows.F[r] = f;
            rows.Y[r] = Outcome(i, f);
        }

        return rows;
    }

    /// <summary>
    /// Every point of {−1,+1}^d once (d ≤ 18): point i has z_j = +1 iff bit j of i is set; its
    /// outcome is drawn from the outcome stream keyed by (seed, i).
    /// </summary>
    public ParityRows Enumerate()
    {
        if (D > 18)
        {
            throw new ArgumentException($"exact enumeration needs d <= 18 (got d = {D})");
        }

        var count = 1 << D;
        var rows = new ParityRows(this, 0, count);
        for (var r = 0; r < count; r++)
        {
            var bits = (ulong)r;
            rows.Bits![r] = bits;
            var z = rows.Z.AsSpan(r * D, D);
            for (var j = 0; j < D; j++)
            {
                z[j] = ((bits >> j) & 1) != 0 ? (sbyte)1 : (sbyte)-1;
            }

            rows.Chi[r] = (BitOperations.PopCount(~bits & SMask) & 1) == 0 ? (sbyte)1 : (sbyte)-1;
            var f = rows.Chi[r] > 0 ? FPlus : FMinus;
            rows.F[r] = f;
            rows.Y[r] = Outcome(r, f);
        }

        return rows;
    }
}

/// <summary>A batch of parity rows, stored compactly: ±1 inputs row-major, packed bits (d ≤ 64), χ_S, f and y.</summary>
public sealed class ParityRows
{
    internal ParityRows(ParityWorld world, long start, int count)
    {
        World = world;
        Start = start;
        Count = count;
        Z = new sbyte[checked(count * world.D)];
        Bits = world.D <= 64 ? new ulong[count] : null;
        Chi = new sbyte[count];
        F = new double[count];
        Y = new byte[count];
    }

    /// <summary>The world the rows belong to.</summary>
    public ParityWorld World { get; }

    /// <summary>Index of the first row (event index).</summary>
    public long Start { get; }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>d: inputs per row.</summary>
    public int D => World.D;

    /// <summary>Inputs, ±1, row-major (Count × d).</summary>
    public sbyte[] Z { get; }

    /// <summary>Packed inputs (bit j set iff z_j = +1); null when d &gt; 64.</summary>
    public ulong[]? Bits { get; }

    /// <summary>χ_S per row.</summary>
    public sbyte[] Chi { get; }

    /// <summary>Truth f per row.</summary>
    public double[] F { get; }

    /// <summary>Outcome (0/1) per row.</summary>
    public byte[] Y { get; }

    /// <summary>Row r's inputs.</summary>
    public ReadOnlySpan<sbyte> Row(int r) => Z.AsSpan(r * D, D);
}
