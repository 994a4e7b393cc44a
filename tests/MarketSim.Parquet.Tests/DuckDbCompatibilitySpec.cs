using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MarketSim.Parquet;

namespace MarketSim.Parquet.Tests;

/// <summary>Cross-checks MarketSim.Parquet against DuckDB (an independent implementation) via @duckdb/node-api.</summary>
[Trait("Category", "DuckDB")]
public sealed class DuckDbCompatibilitySpec : IDisposable
{
    private const string Script = """
        const { DuckDBInstance } = require(process.env.MARKETSIM_DUCKDB_NODE_MODULES + '/@duckdb/node-api');
        const fs = require('fs');
        async function dump(c, file, out) {
          const cols = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
          const exprs = cols.map(x => x.column_type.startsWith('TIMESTAMP') ? `epoch_us("${x.column_name}")::VARCHAR` : `"${x.column_name}"::VARCHAR`);
          const rows = (await c.runAndReadAll(`SELECT ${exprs.join(', ')} FROM read_parquet('${file}')`)).getRowsJson();
          const meta = (await c.runAndReadAll(`SELECT count(DISTINCT row_group_id)::INTEGER n FROM parquet_metadata('${file}')`)).getRowObjectsJson();
          fs.writeFileSync(out, JSON.stringify({ columns: cols.map(x => x.column_name), rowGroups: meta[0].n, rows }));
        }
        (async () => {
          const c = await (await DuckDBInstance.create(':memory:')).connect();
          const [mode, dir, file] = process.argv.slice(2);
          if (mode === 'fixtures') {
            const all = `SELECT (range % 3 = 0) b, (range * 7 - 1000)::INTEGER i, (range * 1000000007)::BIGINT l,
              (range * 0.5)::FLOAT f, (random() - 0.5)::DOUBLE d, 's' || (range % 17) || 'é' s,
              '2026-01-02 03:04:05'::TIMESTAMP + to_microseconds(range * 1234567) t,
              CASE WHEN range % 4 = 0 THEN NULL ELSE range % 2 = 0 END ob,
              CASE WHEN range % 5 = 1 THEN NULL ELSE (-range)::INTEGER END oi,
              CASE WHEN range % 6 = 2 THEN NULL ELSE 9223372036854775807 - range END ol,
              CASE WHEN range % 7 = 3 THEN NULL ELSE (range / 3)::FLOAT END ofl,
              CASE WHEN range % 3 = 1 THEN NULL ELSE range / 7 END od,
              CASE WHEN range % 4 = 3 THEN NULL ELSE md5(range::VARCHAR) END os,
              CASE WHEN range % 5 = 4 THEN NULL ELSE '2020-02-29'::TIMESTAMP + to_days(range::INTEGER) END ot
              FROM range(10000)`;
            for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP']) {
              await c.run(`COPY (${all}) TO '${dir}/all_${codec}.parquet' (FORMAT PARQUET, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)`);
            }
            await c.run(`COPY (SELECT b, d, f, s, ob, od, ofl FROM (${all})) TO '${dir}/v2.parquet' (FORMAT PARQUET, PARQUET_VERSION V2, ROW_GROUP_SIZE 2048)`);
            await c.run(`COPY (SELECT range / 3 d, 'k' || (range % 1000) s, CASE WHEN range % 9 = 0 THEN NULL ELSE md5(range::VARCHAR) END os,
              CASE WHEN range % 11 = 0 THEN NULL ELSE range END ol FROM range(300000)) TO '${dir}/big.parquet' (FORMAT PARQUET, ROW_GROUP_SIZE 200000)`);
            for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.parquet'))) {
              await dump(c, `${dir}/${f}`, `${dir}/${f}.json`);
            }
          } else {
            await dump(c, file, file + '.json');
          }
        })().catch(e => { console.error(e); process.exit(1); });
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("parquet-duckdb").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Files_written_by_DuckDB_read_back_with_the_values_DuckDB_reports()
    {
        RunNode("fixtures", _dir, "");
        var files = Directory.GetFiles(_dir, "*.parquet");
        Assert.Equal(5, files.Length);
        foreach (var file in files)
        {
            var expected = LoadDump(file);
            using var r = ParquetReader.Open(file);
            Assert.Equal(expected.Columns, r.Schema.Columns.Select(c => c.Name));
            Assert.Equal(expected.RowGroups, r.RowGroups.Count);
            Assert.True(r.RowGroups.Count > 1, $"{file}: expected several row groups");
            CompareColumns(file, expected, r);
        }
    }

    [Theory]
    [InlineData(ParquetCompression.Uncompressed, false)]
    [InlineData(ParquetCompression.Snappy, true)]
    [InlineData(ParquetCompression.Gzip, false)]
    public void Files_written_by_MarketSim_read_back_in_DuckDB_with_every_value_intact(ParquetCompression codec, bool dictionary)
    {
        var file = Path.Combine(_dir, "ms.parquet");
        var data = RoundTripSpec.AllTypesData(3000);
        using (var w = ParquetWriter.Create(file, RoundTripSpec.AllTypes(), new ParquetWriterOptions { Compression = codec, RowGroupSize = 1000, DataPageSize = 1000, DictionaryStrings = dictionary }))
        {
            w.WriteBatch(data);
        }

        RunNode("read", _dir, file);
        var expected = LoadDump(file);
        Assert.Equal(3, expected.RowGroups);
        using var r = ParquetReader.Open(file);
        CompareColumns(file, expected, r);
    }

    private static void CompareColumns(string file, Dump dump, ParquetReader r)
    {
        for (int c = 0; c < dump.Columns.Length; c++)
        {
            var col = r.Schema.Columns[c];
            var values = r.ReadColumn(col.Name);
            Assert.Equal(dump.Rows.Length, values.Length);
            for (int i = 0; i < values.Length; i++)
            {
                var duck = dump.Rows[i][c];
                var ours = values.GetValue(i);
                bool same = (ours, duck) switch
                {
                    (null, null) => true,
                    (null, _) or (_, null) => false,
                    (double d, _) => d.Equals(double.Parse(duck, CultureInfo.InvariantCulture)),
                    (float f, _) => f.Equals(float.Parse(duck, CultureInfo.InvariantCulture)),
                    (bool b, _) => (b ? "true" : "false") == duck,
                    (IFormattable x, _) => x.ToString(null, CultureInfo.InvariantCulture) == duck,
                    _ => ours.ToString() == duck,
                };
                Assert.True(same, $"{Path.GetFileName(file)} column {col.Name} row {i}: MarketSim {ours ?? "NULL"}, DuckDB {duck ?? "NULL"}");
            }
        }
    }

    private static Dump LoadDump(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file + ".json"));
        var root = doc.RootElement;
        return new Dump(
            [.. root.GetProperty("columns").EnumerateArray().Select(x => x.GetString()!)],
            root.GetProperty("rowGroups").GetInt32(),
            [.. root.GetProperty("rows").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToArray())]);
    }

    private void RunNode(string mode, string dir, string file)
    {
        var modules = Environment.GetEnvironmentVariable("MARKETSIM_DUCKDB_NODE_MODULES");
        Assert.True(
            !string.IsNullOrEmpty(modules) && Directory.Exists(Path.Combine(modules, "@duckdb", "node-api")),
            "DuckDB for Node.js is not installed (MARKETSIM_DUCKDB_NODE_MODULES is unset or wrong). Run ./test.sh, or "
            + "export MARKETSIM_DUCKDB_NODE_MODULES=\"$(scripts/duckdb-setup.sh)\" before dotnet test.");
        var script = Path.Combine(_dir, "duck.js");
        File.WriteAllText(script, Script);
        var psi = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { script, mode, dir, file })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"node failed ({p.ExitCode}): {stderr.Result}{stdout}");
    }

    private sealed record Dump(string[] Columns, int RowGroups, string?[][] Rows);
}
