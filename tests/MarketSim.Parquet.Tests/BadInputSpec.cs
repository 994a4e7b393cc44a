using MarketSim.Parquet;

namespace MarketSim.Parquet.Tests;

public sealed class BadInputSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parquet-bad").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void A_truncated_file_is_reported_with_its_name()
    {
        var path = Good();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^20]);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.Open(path));
        Assert.StartsWith(path + ": bad magic number at end of file (expected PAR1, found ", e.Message);
    }

    [Fact]
    public void A_file_without_the_leading_magic_number_is_rejected()
    {
        var path = Good();
        var bytes = File.ReadAllBytes(path);
        "PAR2"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.Open(path));
        Assert.Equal(path + ": bad magic number at start of file (expected PAR1, found PAR2)", e.Message);
    }

    [Fact]
    public void A_tiny_file_is_rejected_as_too_short()
    {
        var path = Path.Combine(_dir, "tiny.parquet");
        File.WriteAllBytes(path, "PAR1PAR1"u8.ToArray());
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.Open(path));
        Assert.Contains("tiny.parquet: file is too short", e.Message);
    }

    [Fact]
    public void Malformed_footer_metadata_is_a_thrift_decode_error()
    {
        var path = Good();
        var bytes = File.ReadAllBytes(path);
        int len = BitConverter.ToInt32(bytes, bytes.Length - 8);
        bytes.AsSpan(bytes.Length - 8 - len, len).Fill(0xFF);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.Open(path));
        Assert.StartsWith(path + ": malformed file metadata: ", e.Message);
    }

    [Fact]
    public void A_footer_length_larger_than_the_file_is_rejected()
    {
        var path = Good();
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(1 << 30).CopyTo(bytes, bytes.Length - 8);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.Open(path));
        Assert.Contains("footer length 1073741824 does not fit", e.Message);
    }

    [Fact]
    public void A_page_that_overruns_its_chunk_is_reported_when_the_column_is_read()
    {
        var path = Good();
        var bytes = File.ReadAllBytes(path);

        // Page header: type=0, uncompressed=80, compressed=80 (zigzag varints A0 01).
        Assert.Equal(new byte[] { 0x15, 0x00, 0x15, 0xA0, 0x01, 0x15, 0xA0, 0x01 }, bytes[4..12]);
        bytes[11] = 0x7F;
        File.WriteAllBytes(path, bytes);
        using var r = ParquetReader.Open(path);
        var e = Assert.Throws<ParquetFormatException>(() => r.ReadColumn("d"));
        Assert.StartsWith(path + ": column d, row group 0: page at chunk offset", e.Message);
        Assert.Contains("overruns its column chunk", e.Message);
    }

    [Fact]
    public void An_unsupported_encoding_is_named()
    {
        var path = Good();
        var bytes = File.ReadAllBytes(path);

        // DataPageHeader: num_values=10, encoding=PLAIN; make it DELTA_BINARY_PACKED (5, zigzag 10).
        Assert.Equal(new byte[] { 0x2C, 0x15, 0x14, 0x15, 0x00 }, bytes[12..17]);
        bytes[16] = 0x0A;
        File.WriteAllBytes(path, bytes);
        using var r = ParquetReader.Open(path);
        var e = Assert.Throws<ParquetFormatException>(() => r.ReadColumn("d"));
        Assert.Equal(path + ": column d, row group 0: unsupported encoding DELTA_BINARY_PACKED", e.Message);
    }

    [Fact]
    public void An_unsupported_physical_type_is_named()
    {
        var path = Path.Combine(_dir, "int.parquet");
        using (var w = ParquetWriter.Create(path, new ParquetSchema(ParquetColumn.Int32("i")), new ParquetWriterOptions { Compression = ParquetCompression.Uncompressed }))
        {
            w.WriteBatch(new[] { 1, 2 });
        }

        var bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf(new byte[] { 0x15, 0x02, 0x25 });
        bytes[at + 1] = 0x0E;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.Open(path));
        Assert.Equal(path + ": column i: unsupported physical type FIXED_LEN_BYTE_ARRAY", e.Message);
    }

    [Fact]
    public void An_unsupported_codec_is_named()
    {
        var path = Good();
        var bytes = File.ReadAllBytes(path);
        int len = BitConverter.ToInt32(bytes, bytes.Length - 8);
        var footer = bytes.AsSpan(bytes.Length - 8 - len, len);

        // ColumnMetaData.codec follows path_in_schema ["d"]: 0x15 0x00 -> ZSTD (6, zigzag 12).
        int at = footer.IndexOf(new byte[] { 0x01, (byte)'d', 0x15, 0x00 });
        footer[at + 3] = 0x0C;
        File.WriteAllBytes(path, bytes);
        using var r = ParquetReader.Open(path);
        var e = Assert.Throws<ParquetFormatException>(() => r.ReadColumn("d"));
        Assert.Equal(path + ": column d, row group 0: unsupported compression codec ZSTD", e.Message);
    }

    [Fact]
    public void Random_corruption_never_escapes_as_anything_but_a_format_error()
    {
        var good = File.ReadAllBytes(Good());
        var rnd = new Random(42);
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])good.Clone();
            for (int k = 0; k < 3; k++)
            {
                bytes[4 + rnd.Next(bytes.Length - 12)] = (byte)rnd.Next(256);
            }

            try
            {
                using var r = ParquetReader.Open(new MemoryStream(bytes), "x.parquet");
                foreach (var c in r.Schema.Columns)
                {
                    _ = r.ReadColumn(c.Name);
                }
            }
            catch (ParquetFormatException e)
            {
                Assert.StartsWith("x.parquet: ", e.Message);
            }
        }
    }

    private string Good()
    {
        var path = Path.Combine(_dir, "good.parquet");
        using var w = ParquetWriter.Create(path, new ParquetSchema(ParquetColumn.Double("d")), new ParquetWriterOptions { Compression = ParquetCompression.Uncompressed });
        w.WriteBatch(Enumerable.Range(0, 10).Select(i => i * 1.5).ToArray());
        return path;
    }
}
