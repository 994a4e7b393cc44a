using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using MarketSim.Parquet;
using Microsoft.FSharp.Core;

namespace MarketSim.Parquet.Tests;

/// <summary>The Snappy raw-block decoder: against IronSnappy's encoder, hand-made blocks, and corrupt input.</summary>
public sealed class SnappySpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parquet-snappy").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Anything_IronSnappy_compresses_decodes_to_the_original_bytes()
    {
        // Seeded (replayable) inputs: random, small-alphabet, long runs, short repeated phrases and rounded doubles,
        // 0 bytes to past 64 KiB (IronSnappy starts a new block of matches every 64 KiB).
        var gen =
            from kind in Gen.Choose(0, 4)
            from length in Gen.Frequency((3, Gen.Choose(0, 300)), (2, Gen.Choose(300, 20_000)), (1, Gen.Choose(60_000, 140_000)))
            from seed in Gen.Choose(0, int.MaxValue)
            select (kind, length, seed);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(300)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x5EED_0001UL), FSharpOption<int>.None)));
        Prop.ForAll(Arb.From(gen), t =>
        {
            var data = Sample(t.kind, t.length, t.seed);
            var block = IronSnappy.Snappy.Encode(data);
            Assert.Equal(data.Length, SnappyDecoder.GetUncompressedLength(block));
            var dst = new byte[data.Length];
            SnappyDecoder.Decompress(block, dst);
            Assert.True(data.AsSpan().SequenceEqual(dst), $"kind {t.kind}, {t.length} bytes, seed {t.seed}");
            Assert.Equal(data, SnappyDecoder.Decompress(block));
        }).Check(config);
    }

    [Fact]
    public void Highly_repetitive_inputs_decode_exactly()
    {
        foreach (int period in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 64, 65_000 })
        {
            var rnd = new Random(period);
            var phrase = new byte[period];
            rnd.NextBytes(phrase);
            var data = new byte[200_000];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = phrase[i % period];
            }

            var block = IronSnappy.Snappy.Encode(data);
            Assert.True(block.Length < data.Length / 2 || period == 65_000, $"period {period}: {block.Length} bytes");
            Assert.Equal(data, SnappyDecoder.Decompress(block));
        }
    }

    [Fact]
    public void A_literal_decodes_with_each_length_form()
    {
        foreach (int len in new[] { 1, 5, 60, 61, 70, 256, 257, 300, 65_536, 65_537, 70_000, 16_777_217 })
        {
            var payload = new byte[len];
            new Random(len).NextBytes(payload);
            var block = new List<byte>(Varint(len));
            block.AddRange(LiteralTag(len));
            block.AddRange(payload);
            Assert.Equal(payload, SnappyDecoder.Decompress(block.ToArray()));
        }
    }

    [Fact]
    public void A_copy_with_a_one_byte_offset_repeats_earlier_output()
    {
        // "abcd", then copy 4 from 4 back; the offset's high three bits live in the tag (offset 300 = 0x12C).
        Assert.Equal("abcdabcd"u8.ToArray(), SnappyDecoder.Decompress([8, 0x0C, (byte)'a', (byte)'b', (byte)'c', (byte)'d', 0x01, 4]));
        var prefix = Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray();
        var block = Varint(305).Concat(LiteralTag(300)).Concat(prefix).Concat(new byte[] { (1 << 5) | (1 << 2) | 1, 0x2C }).ToArray();
        Assert.Equal(prefix.Concat(prefix[..5]).ToArray(), SnappyDecoder.Decompress(block));
    }

    [Fact]
    public void Copies_shorter_than_their_length_repeat_a_pattern()
    {
        // "ab" + copy-1 (length 7, offset 2) = "ababababa"; "x" + copy-1 (length 11, offset 1) = 12 x.
        Assert.Equal("ababababa"u8.ToArray(), SnappyDecoder.Decompress([9, 0x04, (byte)'a', (byte)'b', 0x0D, 2]));
        Assert.Equal(Enumerable.Repeat((byte)'x', 12).ToArray(), SnappyDecoder.Decompress([12, 0x00, (byte)'x', 0x1D, 1]));

        // Every offset 1..20 with every copy-2 length 1..64, with and without output after it (the decoder's
        // 8-byte moves only run with room behind the copy), against a byte-at-a-time reference.
        var rnd = new Random(3);
        var prefix = new byte[20];
        rnd.NextBytes(prefix);
        var tail = new byte[20];
        rnd.NextBytes(tail);
        for (int offset = 1; offset <= 20; offset++)
        {
            for (int len = 1; len <= 64; len++)
            {
                foreach (bool withTail in new[] { false, true })
                {
                    var expected = new List<byte>(prefix);
                    for (int i = 0; i < len; i++)
                    {
                        expected.Add(expected[^offset]);
                    }

                    var block = new List<byte>(Varint(expected.Count + (withTail ? tail.Length : 0)));
                    block.AddRange(LiteralTag(prefix.Length));
                    block.AddRange(prefix);
                    block.AddRange([(byte)(((len - 1) << 2) | 2), (byte)offset, 0]);
                    if (withTail)
                    {
                        block.AddRange(LiteralTag(tail.Length));
                        block.AddRange(tail);
                        expected.AddRange(tail);
                    }

                    Assert.Equal(expected.ToArray(), SnappyDecoder.Decompress(block.ToArray()));
                }
            }
        }
    }

    [Fact]
    public void Copies_with_two_and_four_byte_offsets_decode()
    {
        var prefix = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31 + (i >> 8))).ToArray();
        var expected = prefix.Concat(prefix[(70_000 - 65_000)..][..64]).Concat(prefix[1..][..33]).Concat(prefix[(70_000 - 3)..]).Concat(prefix[(70_000 - 3)..]).ToArray();
        var block = Varint(expected.Length)
            .Concat(LiteralTag(prefix.Length)).Concat(prefix)
            .Concat(new byte[] { (63 << 2) | 2, 0xE8, 0xFD })                                 // copy-2: length 64, offset 65000
            .Concat(new byte[] { (32 << 2) | 3 }).Concat(BitConverter.GetBytes(70_000 + 64 - 1)) // copy-4: length 33, offset 70063
            .Concat(new byte[] { (5 << 2) | 3, 97, 0, 0, 0 })                                   // copy-4: length 6, offset 97
            .ToArray();
        expected = [.. expected[..^6], .. expected.AsSpan(expected.Length - 6 - 97, 6).ToArray()];
        Assert.Equal(expected, SnappyDecoder.Decompress(block));
    }

    [Theory]
    [InlineData(new byte[] { }, "ends inside its length header")]
    [InlineData(new byte[] { 0x80, 0x80 }, "ends inside its length header")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "larger than 32 bits")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, "claims")]
    [InlineData(new byte[] { 5, 0x08, 1, 2, 3 }, "decodes to 3 bytes but its header says 5")]
    [InlineData(new byte[] { 5, 0x00, 1, 0x01, 0 }, "copy with offset 0")]
    [InlineData(new byte[] { 6, 0x00, 1, 0x01, 2 }, "copy offset 2 reaches before the start")]
    [InlineData(new byte[] { 9, 0x04, 1, 2, (3 << 2) | 2, 3, 0 }, "copy offset 3 reaches before the start")]
    [InlineData(new byte[] { 9, 0x20, 1, 2 }, "literal of 9 bytes runs past the end of the input")]
    [InlineData(new byte[] { 3, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, "literal of 9 bytes runs past the uncompressed length 3")]
    [InlineData(new byte[] { 9, 0xF4, 1 }, "literal length runs past the end of the input")]
    [InlineData(new byte[] { 5, 0x00, 1, 0x01 }, "copy offset runs past the end of the input")]
    [InlineData(new byte[] { 5, 0x00, 1, 0x02, 1 }, "copy offset runs past the end of the input")]
    [InlineData(new byte[] { 5, 0x00, 1, 0x03, 1, 0, 0 }, "copy offset runs past the end of the input")]
    [InlineData(new byte[] { 5, 0x00, 1, 0x1D, 1 }, "copy of 11 bytes runs past the uncompressed length 5")]
    public void A_corrupt_block_is_rejected_without_touching_memory_outside_the_buffers(byte[] block, string what)
    {
        var e = Assert.Throws<InvalidDataException>(() => SnappyDecoder.Decompress(block));
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void Random_garbage_never_escapes_as_anything_but_invalid_data()
    {
        var rnd = new Random(11);
        var good = IronSnappy.Snappy.Encode(Sample(4, 4000, 5));
        for (int trial = 0; trial < 20_000; trial++)
        {
            byte[] block;
            if (trial % 2 == 0)
            {
                block = new byte[rnd.Next(1, 64)];
                rnd.NextBytes(block);
                block[0] = (byte)rnd.Next(0, 128);
            }
            else
            {
                block = (byte[])good.Clone();
                for (int k = 0; k < 1 + rnd.Next(4); k++)
                {
                    block[rnd.Next(block.Length)] = (byte)rnd.Next(256);
                }

                if (trial % 3 == 0)
                {
                    block = block[..rnd.Next(block.Length)];
                }
            }

            try
            {
                _ = SnappyDecoder.Decompress(block);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    public static TheoryData<string, string> CorruptPages => new()
    {
        { "bad varint", "Snappy length header is larger than 32 bits" },
        { "header size differs from the page's", "Snappy block holds 81 bytes, the page header says 80" },
        { "decodes short", "but its header says 80" },
        { "copy offset 0", "copy with offset 0" },
        { "copy before the start", "copy offset 2 reaches before the start of the output (1 bytes written)" },
        { "literal past the end", "literal of 200 bytes runs past the end of the input" },
        { "copy past the output", "copy of 64 bytes runs past the uncompressed length 80" },
    };

    [Theory]
    [MemberData(nameof(CorruptPages))]
    public void A_corrupt_Snappy_page_is_a_format_error_naming_file_column_and_page(string corruption, string what)
    {
        // One SNAPPY data page of 10 random doubles: the block is varint(80), a literal tag and 80 bytes.
        var path = Path.Combine(_dir, "snappy.parquet");
        var values = new double[10];
        var rnd = new Random(1);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rnd.NextDouble();
        }

        using (var w = ParquetWriter.Create(path, new ParquetSchema(ParquetColumn.Double("d")), new ParquetWriterOptions { Compression = ParquetCompression.Snappy }))
        {
            w.WriteBatch(values);
        }

        var bytes = File.ReadAllBytes(path);
        var good = IronSnappy.Snappy.Encode(MemoryMarshal.AsBytes(values.AsSpan()));
        int at = bytes.AsSpan().IndexOf(good);
        Assert.True(at > 4);
        var body = bytes.AsSpan(at, good.Length);
        int n = body.Length;
        body.Clear();
        body[0] = 80;
        switch (corruption)
        {
            case "bad varint":
                body.Fill(0xFF);
                break;
            case "header size differs from the page's":
                good.CopyTo(body);
                body[0] = 81;
                break;
            case "decodes short":
                // Literals of one byte (two input bytes each): about half of 80 bytes.
                int p = 1;
                if ((n - 1) % 2 == 1)
                {
                    body[p] = 0x04;
                    p += 3;
                }

                for (; p < n; p += 2)
                {
                    body[p] = 0x00;
                }

                break;
            case "copy offset 0":
                body[1] = 0x00;
                body[3] = 0x01;
                body[4] = 0x00;
                break;
            case "copy before the start":
                body[1] = 0x00;
                body[3] = 0x01;
                body[4] = 0x02;
                break;
            case "literal past the end":
                body[1] = 0xF0;
                body[2] = 199;
                break;
            case "copy past the output":
                body[1] = 0x0C;
                body[6] = (63 << 2) | 2;
                body[7] = 4;
                body[9] = (63 << 2) | 2;
                body[10] = 4;
                break;
        }

        File.WriteAllBytes(path, bytes);
        using var r = ParquetReader.Open(path);
        var e = Assert.Throws<ParquetFormatException>(() => r.ReadColumn("d"));
        Assert.StartsWith(path + ": column d, row group 0: page 0 (chunk offset 0): ", e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void Snappy_files_with_many_pages_and_row_groups_read_back_exactly()
    {
        var path = Path.Combine(_dir, "many.parquet");
        var rnd = new Random(9);
        var d = Enumerable.Range(0, 300_000).Select(_ => Math.Round(100 + (rnd.NextDouble() * 10), 2)).ToArray();
        var l = Enumerable.Range(0, 300_000).Select(i => (long)(i / 7)).ToArray();
        var od = Enumerable.Range(0, 300_000).Select(i => i % 5 == 0 ? null : (double?)d[i]).ToArray();
        var schema = new ParquetSchema(ParquetColumn.Double("d"), ParquetColumn.Int64("l"), ParquetColumn.Double("od", required: false));
        using (var w = ParquetWriter.Create(path, schema, new ParquetWriterOptions { Compression = ParquetCompression.Snappy, RowGroupSize = 70_000, DataPageSize = 64 * 1024 }))
        {
            w.WriteBatch(d, l, od);
        }

        using var r = ParquetReader.Open(path);
        Assert.Equal(5, r.RowGroups.Count);
        Assert.Equal(d, r.ReadColumn<double>("d"));
        Assert.Equal(l, r.ReadColumn<long>("l"));
        Assert.Equal(od, r.ReadColumn<double?>("od"));
        Assert.Equal(d[140_000..210_000], (double[])r.ReadColumn("d", 2));
    }

    private static byte[] Sample(int kind, int length, int seed)
    {
        var rnd = new Random(seed);
        var data = new byte[length];
        switch (kind)
        {
            case 0:
                rnd.NextBytes(data);
                break;
            case 1:
                for (int i = 0; i < length; i++)
                {
                    data[i] = (byte)rnd.Next(2);
                }

                break;
            case 2:
                for (int i = 0; i < length;)
                {
                    byte b = (byte)rnd.Next(256);
                    for (int run = rnd.Next(1, 300); run > 0 && i < length; run--)
                    {
                        data[i++] = b;
                    }
                }

                break;
            case 3:
                {
                    var phrase = new byte[rnd.Next(1, 24)];
                    rnd.NextBytes(phrase);
                    for (int i = 0; i < length; i++)
                    {
                        data[i] = rnd.Next(50) == 0 ? (byte)rnd.Next(256) : phrase[i % phrase.Length];
                    }

                    break;
                }

            default:
                {
                    var doubles = new double[(length + 7) / 8];
                    for (int i = 0; i < doubles.Length; i++)
                    {
                        doubles[i] = Math.Round(100 + (rnd.NextDouble() * 10), 2);
                    }

                    MemoryMarshal.AsBytes(doubles.AsSpan())[..length].CopyTo(data);
                    break;
                }
        }

        return data;
    }

    private static byte[] Varint(int v)
    {
        var r = new List<byte>();
        while (v >= 0x80)
        {
            r.Add((byte)(v | 0x80));
            v >>= 7;
        }

        r.Add((byte)v);
        return [.. r];
    }

    private static byte[] LiteralTag(int len)
    {
        int m = len - 1;
        if (m < 60)
        {
            return [(byte)(m << 2)];
        }

        var extra = BitConverter.GetBytes(m).AsSpan(0, m < 1 << 8 ? 1 : m < 1 << 16 ? 2 : m < 1 << 24 ? 3 : 4).ToArray();
        return [(byte)((59 + extra.Length) << 2), .. extra];
    }
}
