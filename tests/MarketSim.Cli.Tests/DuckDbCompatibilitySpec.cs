using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MarketSim.Journal.Export;
using MarketSim.Polymarket.Dataset;
using Parquet;

namespace MarketSim.Cli.Tests;

/// <summary>
/// Cross-checks MarketSim's Parquet I/O (Parquet.Net 6.1.0) against DuckDB, an independent implementation, via
/// @duckdb/node-api: DuckDB's files read back with DuckDB's values, and DuckDB reads every file MarketSim writes (the
/// export tables with every codec, a Polymarket dataset) with the values MarketSim reads.
/// </summary>
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
          await c.run('SET threads = 1');
          const [mode, dir] = process.argv.slice(2);
          if (mode === 'fixtures') {
            const all = `SELECT (range % 3 = 0) b, (range * 7 - 1000)::INTEGER i, (range * 1000000007)::BIGINT l,
              (range * 0.5)::FLOAT f, (random() - 0.5)::DOUBLE d, 's' || (range % 17) || 'é' s,
              '2026-01-02 03:04:05'::TIMESTAMP + to_microseconds(range * 1234567) t,
              '2026-01-02 03:04:05+00'::TIMESTAMPTZ + to_microseconds(range * 7654321) tz,
              CASE WHEN range % 4 = 0 THEN NULL ELSE range % 2 = 0 END ob,
              CASE WHEN range % 5 = 1 THEN NULL ELSE (-range)::INTEGER END oi,
              CASE WHEN range % 6 = 2 THEN NULL ELSE 9223372036854775807 - range END ol,
              CASE WHEN range % 7 = 3 THEN NULL ELSE (range / 3)::FLOAT END ofl,
              CASE WHEN range % 3 = 1 THEN NULL ELSE range / 7 END od,
              CASE WHEN range % 4 = 3 THEN NULL ELSE md5(range::VARCHAR) END os,
              CASE WHEN range % 5 = 4 THEN NULL ELSE '2020-02-29'::TIMESTAMP + to_days(range::INTEGER) END ot
              FROM range(10000)`;
            for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD']) {
              await c.run(`COPY (${all}) TO '${dir}/all_${codec}.parquet' (FORMAT PARQUET, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)`);
            }
            await c.run(`COPY (SELECT b, d, f, s, ob, od, ofl FROM (${all})) TO '${dir}/v2.parquet' (FORMAT PARQUET, PARQUET_VERSION V2, ROW_GROUP_SIZE 2048)`);
            await c.run(`COPY (SELECT range / 3 d, 'k' || (range % 1000) s, CASE WHEN range % 9 = 0 THEN NULL ELSE md5(range::VARCHAR) END os,
              CASE WHEN range % 11 = 0 THEN NULL ELSE range END ol FROM range(300000)) TO '${dir}/big.parquet' (FORMAT PARQUET, ROW_GROUP_SIZE 200000)`);
          }
          for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.parquet'))) {
            await dump(c, `${dir}/${f}`, `${dir}/${f}.json`);
          }
        })().catch(e => { console.error(e); process.exit(1); });
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("parquet-duckdb").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Files_written_by_DuckDB_read_back_with_the_values_DuckDB_reports()
    {
        RunNode("fixtures", _dir);
        var files = Directory.GetFiles(_dir, "*.parquet");
        Assert.Equal(6, files.Length);
        foreach (var file in files)
        {
            var expected = LoadDump(file);
            using var r = ParquetFile.Open(file);
            Assert.Equal(expected.Columns, r.Columns.Select(c => c.Name));
            Assert.Equal(expected.RowGroups, r.Metadata.RowGroups.Count);
            Assert.True(r.Metadata.RowGroups.Count > 1, $"{file}: expected several row groups");
            CompareColumns(file, expected, r);
        }

        using var dictionary = ParquetFile.Open(Path.Combine(_dir, "big.parquet"));
        var s = dictionary.Metadata.RowGroups[0].Columns[1].MetaData!;
        Assert.NotNull(s.DictionaryPageOffset); // the column's values are in a dictionary page (DuckDB: PLAIN_DICTIONARY)
        Assert.Contains(s.Encodings, e => e is Parquet.Meta.Encoding.PLAIN_DICTIONARY or Parquet.Meta.Encoding.RLE_DICTIONARY);
    }

    [Fact]
    public void Every_export_table_MarketSim_writes_reads_back_in_DuckDB_with_every_value_intact()
    {
        var runs = Path.Combine(_dir, "runs");
        var run = CliRunner.Run("run", Path.Combine(CliRunner.RepoRoot, "scenarios", "parity-cliff-fog.conf"), "--set", "timeline.events=30", "--out", runs, "--quiet");
        Assert.True(run.ExitCode == 0, run.Err);
        var folder = Assert.Single(Directory.GetDirectories(runs));
        foreach (var codec in new[] { CompressionMethod.None, CompressionMethod.Snappy, CompressionMethod.Gzip, CompressionMethod.Zstd })
        {
            var dir = Path.Combine(_dir, codec.ToString());
            var result = RunExporter.Export(folder, dir, new ExportOptions(ExportFormat.Parquet, codec, RowGroupSize: 700));
            RunNode("read", dir);
            foreach (var file in result.Files.Values)
            {
                var expected = LoadDump(file);
                using var r = ParquetFile.Open(file);
                Assert.Equal(expected.Columns, r.Columns.Select(c => c.Name));
                Assert.Equal(expected.RowGroups, r.Metadata.RowGroups.Count);
                CompareColumns(file, expected, r);
            }

            using var predictions = ParquetFile.Open(result.Files["predictions"]);
            Assert.True(predictions.Metadata.RowGroups.Count > 1, "several row groups");
        }
    }

    [Fact]
    public void A_dataset_MarketSim_writes_reads_back_in_DuckDB_with_every_value_intact()
    {
        var t0 = new DateTimeOffset(2024, 2, 29, 12, 0, 0, TimeSpan.Zero);
        var rows = Enumerable.Range(0, 50).Select(i => new MarketRow(
            $"{i}", $"0x{i:x4}", $"Will {i}, \"quoted\", happen?", i % 3 == 0 ? null : "rules é", i % 2 == 0 ? $"slug-{i}" : null, i % 4 == 0 ? null : "Sports",
            i % 2, i % 5 == 0 ? null : $"{i}1", i % 5 == 0 ? null : $"{i}0", t0.AddDays(i), t0.AddDays(i + 30), i % 7 == 0 ? null : t0.AddDays(i + 29).AddTicks(i * 10),
            null, i * 1000.5, i % 3 == 0 ? null : i / 50.0, i % 2 == 0 ? new MarketPrice("midpoint", 1, 2, 3, 4, 5, i / 100.0) : null, "spec")).ToList();
        var file = Path.Combine(_dir, "markets.parquet");
        MarketDataset.Write(file, rows);
        Assert.Equal(rows, MarketDataset.Read(file));

        RunNode("read", _dir);
        using var r = ParquetFile.Open(file);
        CompareColumns(file, LoadDump(file), r);
    }

    private static void CompareColumns(string file, Dump dump, ParquetFile r)
    {
        for (var c = 0; c < dump.Columns.Length; c++)
        {
            var values = r.ReadColumn(c);
            Assert.Equal(dump.Rows.Length, values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                var duck = dump.Rows[i][c];
                var ours = values.GetValue(i);
                var same = (ours, duck) switch
                {
                    (null, null) => true,
                    (null, _) or (_, null) => false,
                    (double d, _) => d.Equals(double.Parse(duck, CultureInfo.InvariantCulture)),
                    (float f, _) => f.Equals(float.Parse(duck, CultureInfo.InvariantCulture)),
                    (bool b, _) => (b ? "true" : "false") == duck,
                    (DateTime t, _) => ((t.Ticks - DateTime.UnixEpoch.Ticks) / 10).ToString(CultureInfo.InvariantCulture) == duck,
                    (IFormattable x, _) => x.ToString(null, CultureInfo.InvariantCulture) == duck,
                    _ => ours.ToString() == duck,
                };
                Assert.True(same, $"{Path.GetFileName(file)} column {r.Columns[c].Name} row {i}: MarketSim {ours ?? "NULL"}, DuckDB {duck ?? "NULL"}");
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

    private void RunNode(string mode, string dir)
    {
        var modules = Environment.GetEnvironmentVariable("MARKETSIM_DUCKDB_NODE_MODULES");
        Assert.True(
            !string.IsNullOrEmpty(modules) && Directory.Exists(Path.Combine(modules, "@duckdb", "node-api")),
            "DuckDB for Node.js is not installed (MARKETSIM_DUCKDB_NODE_MODULES is unset or wrong). Run ./test.sh, or "
            + "export MARKETSIM_DUCKDB_NODE_MODULES=\"$(scripts/duckdb-setup.sh)\" before dotnet test.");
        var script = Path.Combine(_dir, "duck.js");
        File.WriteAllText(script, Script);
        var psi = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { script, mode, dir })
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
