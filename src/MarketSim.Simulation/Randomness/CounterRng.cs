namespace MarketSim.Simulation.Randomness;

/// <summary>
/// Stream identifiers for <see cref="CounterRng"/>. A draw is keyed by
/// (seed, stream, a, b, c); the meaning of a, b, c is fixed per stream and documented here and in
/// docs/parity.md. New streams take new numbers; existing numbers never change meaning.
/// </summary>
public static class RngStreams
{
    /// <summary>Parity world: the parity set S. Key (seed, 1, 0, 0, 0) seeds a <see cref="SplitMix64"/> that draws the k-subset.</summary>
    public const ulong ParitySet = 1;

    /// <summary>Parity world: input bits. Key (seed, 2, row i, word w, 0); bit t of word w is coordinate 64·w + t (1 → +1).</summary>
    public const ulong ParityInputs = 2;

    /// <summary>Parity world: outcomes. Key (seed, 3, row i, 0, 0) → uniform u; y = [u &lt; f(z)].</summary>
    public const ulong ParityOutcomes = 3;

    /// <summary>Randomized L-query chains. Key (chain seed, 4, chain j, 0, 0) seeds the generator that draws chain j's L-subset.</summary>
    public const ulong ParityChains = 4;

    /// <summary>Faulty test miners: whether a cell gets the invalid value. Key (world seed, 5, miner id, event id, grid interval) → u; sent when u &lt; rate.</summary>
    public const ulong FaultyAnswers = 5;
}

/// <summary>
/// A stateless counter-based generator: every output is a hash of its key
/// (seed, stream, a, b, c), so any draw can be reproduced alone, in any order, on any thread.
/// The hash chains SplitMix64 finalisers over the key words (each word is absorbed after a
/// full avalanche of the previous state).
/// </summary>
public static class CounterRng
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>The SplitMix64 / MurmurHash3-style 64-bit finaliser (a bijection with full avalanche).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64 random bits for the key (seed, stream, a, b, c).</summary>
    public static ulong Hash(ulong seed, ulong stream, ulong a, ulong b = 0, ulong c = 0)
    {
        var h = Mix(seed + Gamma);
        h = Mix(h ^ (stream * 0xD1B54A32D192ED03UL + Gamma));
        h = Mix(h ^ (a * 0xAEF17502108EF2D9UL + unchecked(2 * Gamma)));
        h = Mix(h ^ (b * 0xDB4F0B9175AE2165UL + unchecked(3 * Gamma)));
        h = Mix(h ^ (c * 0x9FB21C651E98DF25UL + unchecked(4 * Gamma)));
        return h;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public static double Uniform01(ulong seed, ulong stream, ulong a, ulong b = 0, ulong c = 0) =>
        ToUnit(Hash(seed, stream, a, b, c));

    /// <summary>True with probability p (u &lt; p with u = <see cref="Uniform01"/>).</summary>
    public static bool Bernoulli(double p, ulong seed, ulong stream, ulong a, ulong b = 0, ulong c = 0) =>
        Uniform01(seed, stream, a, b, c) < p;

    /// <summary>One fair bit (the top bit of the hash).</summary>
    public static bool Bit(ulong seed, ulong stream, ulong a, ulong b = 0, ulong c = 0) =>
        (Hash(seed, stream, a, b, c) >> 63) != 0;

    /// <summary>A sequential generator whose state is the hash of the key.</summary>
    public static SplitMix64 Sequence(ulong seed, ulong stream, ulong a, ulong b = 0, ulong c = 0) =>
        new(Hash(seed, stream, a, b, c));

    /// <summary>
    /// A uniform k-subset of {0, …, n−1}, ascending, drawn deterministically from the key
    /// (partial Fisher–Yates over a <see cref="SplitMix64"/> seeded by the key).
    /// </summary>
    public static int[] SampleSubset(int n, int k, ulong seed, ulong stream, ulong a, ulong b = 0, ulong c = 0)
    {
        var rng = Sequence(seed, stream, a, b, c);
        return rng.SampleSubset(n, k);
    }

    internal static double ToUnit(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));
}

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a small sequential generator for the few places that
/// need a run of draws from one key (subset sampling). Seed it from <see cref="CounterRng.Hash"/>.
/// </summary>
public struct SplitMix64(ulong state)
{
    private ulong _state = state;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return CounterRng.Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => CounterRng.ToUnit(NextUInt64());

    /// <summary>Uniform integer in [0, bound), unbiased (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var range = (ulong)bound;
        while (true)
        {
            var x = NextUInt64();
            var product = Math.BigMul(x, range, out var low);
            if (low >= range || low >= (0UL - range) % range)
            {
                return (int)product;
            }
        }
    }

    /// <summary>A uniform k-subset of {0, …, n−1}, ascending.</summary>
    public int[] SampleSubset(int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (k < 0 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"subset size {k} must lie in [0, {n}]");
        }

        var pool = new int[n];
        for (var i = 0; i < n; i++)
        {
            pool[i] = i;
        }

        for (var i = 0; i < k; i++)
        {
            var j = i + NextInt(n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        var result = pool[..k];
        Array.Sort(result);
        return result;
    }
}
