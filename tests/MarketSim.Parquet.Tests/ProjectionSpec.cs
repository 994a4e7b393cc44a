using MarketSim.Parquet;

namespace MarketSim.Parquet.Tests;

public sealed class ProjectionSpec
{
    [Fact]
    public void Reading_one_column_reads_only_that_columns_chunks_and_the_footer()
    {
        var ms = new MemoryStream();
        var schema = new ParquetSchema(ParquetColumn.Double("a"), ParquetColumn.Double("b"), ParquetColumn.String("c"));
        var a = Enumerable.Range(0, 50_000).Select(i => i * 0.25).ToArray();
        using (var w = ParquetWriter.Create(ms, schema, new ParquetWriterOptions { Compression = ParquetCompression.Uncompressed, RowGroupSize = 20_000 }, leaveOpen: true))
        {
            w.WriteBatch(a, a, a.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }

        var counting = new CountingStream(new MemoryStream(ms.ToArray()));
        using var r = ParquetReader.Open(counting);
        long afterFooter = counting.BytesRead;
        Assert.Equal(a, r.ReadColumn<double>("a"));
        long chunkBytes = r.RowGroups.Sum(g => g.Columns[0].CompressedSize);
        Assert.Equal(chunkBytes, counting.BytesRead - afterFooter);
        Assert.True(counting.BytesRead < ms.Length / 2, $"read {counting.BytesRead} of {ms.Length} bytes");
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
