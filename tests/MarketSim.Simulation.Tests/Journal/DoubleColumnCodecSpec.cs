using FsCheck;
using FsCheck.Fluent;
using MarketSim.Simulation.Journal;

namespace MarketSim.Simulation.Tests.Journal;

public sealed class DoubleColumnCodecSpec
{
    private static (byte[] Bytes, int Length) Encode(double[] values)
    {
        var buffer = new byte[DoubleColumnCodec.MaxEncodedLength(values.Length)];
        return (buffer, DoubleColumnCodec.Encode(values, buffer));
    }

    private static double[] RoundTrip(double[] values)
    {
        var (bytes, length) = Encode(values);
        var pos = 0;
        var back = DoubleColumnCodec.Decode(bytes.AsSpan(0, length), ref pos);
        Assert.Equal(length, pos);
        return back;
    }

    private static void AssertBitEqual(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]), $"value {i}: {expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void Few_distinct_values_are_stored_as_a_dictionary_with_bit_packed_indices()
    {
        var values = Enumerable.Range(0, 10_752).Select(i => i % 3 == 0 ? 0.525 : i % 3 == 1 ? 0.475 : 0.5).ToArray();

        var (_, length) = Encode(values);

        Assert.Equal(5 + 2 + (3 * 8) + 1 + (10_752 * 2 / 8), length); // 2 bits per value instead of 64
        AssertBitEqual(values, RoundTrip(values));
    }

    [Fact]
    public void Many_distinct_values_are_stored_raw()
    {
        var values = Enumerable.Range(0, 1_000).Select(i => i / 1000.0).ToArray();

        var (bytes, length) = Encode(values);

        Assert.Equal(0, bytes[0]);
        Assert.Equal(5 + 8_000, length);
        AssertBitEqual(values, RoundTrip(values));
    }

    [Fact]
    public void NaN_payloads_negative_zero_and_infinities_survive_bit_for_bit()
    {
        var odd = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234);
        var values = Enumerable.Range(0, 64).Select(i => (i % 5) switch { 0 => odd, 1 => -0.0, 2 => 0.0, 3 => double.PositiveInfinity, _ => double.NaN }).ToArray();

        AssertBitEqual(values, RoundTrip(values));
    }

    [Fact]
    public void Every_column_round_trips_bit_for_bit()
    {
        // Values drawn from a small pool (dictionary path) or anywhere (raw path), every length around the bit-packing edges.
        var pool = new[] { 0.0, 1.0, 0.5, -0.0, double.NaN, 1e-300, 0.525, 0.475, 0.1, 0.9 };
        var gen = Gen.Choose(0, 600).SelectMany(n => Gen.Choose(1, 256).SelectMany(distinct =>
            Gen.ArrayOf(Gen.Choose(0, 1_000_000).Select(x => distinct <= pool.Length ? pool[x % distinct] : (x % distinct) * 0.001), n)));
        Prop.ForAll(gen.ToArbitrary(), values =>
        {
            AssertBitEqual(values, RoundTrip(values));
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(20261122UL, 7UL));
    }

    [Theory]
    [InlineData(new byte[] { 0, 5, 0, 0, 0 }, "do not fit")]
    [InlineData(new byte[] { 9, 0, 0, 0, 0 }, "unknown encoding 9")]
    [InlineData(new byte[] { 0, 255, 255, 255, 255 }, "negative count")]
    [InlineData(new byte[] { 1, 4, 0, 0, 0, 0, 0 }, "dictionary of 0 values")]
    [InlineData(new byte[] { 1, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 }, "index width 3 does not match")]
    [InlineData(new byte[] { 1 }, "truncated")]
    public void Malformed_columns_are_rejected_with_what_is_wrong(byte[] bytes, string message)
    {
        var pos = 0;
        var e = Assert.Throws<JournalFormatException>(() => DoubleColumnCodec.Decode(bytes, ref pos));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_beyond_the_dictionary_is_rejected()
    {
        // 3 entries → width 2; index 3 is out of range.
        var values = Enumerable.Range(0, 16).Select(i => (double)(i % 3)).ToArray();
        var (bytes, length) = Encode(values);
        bytes[length - 1] = 0xFF;
        var pos = 0;
        var e = Assert.Throws<JournalFormatException>(() => DoubleColumnCodec.Decode(bytes.AsSpan(0, length), ref pos));
        Assert.Contains("index 3 outside a dictionary of 3", e.Message, StringComparison.Ordinal);
    }
}
