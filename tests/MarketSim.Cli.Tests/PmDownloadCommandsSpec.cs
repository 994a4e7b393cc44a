using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MarketSim.Polymarket.Dataset;
using MarketSim.Polymarket.Tests.Download;

namespace MarketSim.Cli.Tests;

public sealed class PmDownloadCommandsSpec : IDisposable
{
    private const string Fast = "--rps 0 --backoff-ms 1 --max-backoff-s 0.02 --quiet";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "marketsim-cli-pm-download", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static JsonArray RealMarkets() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(CliRunner.RepoRoot, "..", "shared", "data", "polymarket", "dhruv575-safechoices", "exampleGammaQueryResponse.json")))!.AsArray();

    private static CliResult Run(string line) => CliRunner.Run(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Gamma over the 11 real markets (pages of at most 4, a 429 on the second request) and CLOB hourly series (one token empty).</summary>
    private static Func<string, IReadOnlyDictionary<string, string>, (int, string, string?)> Polymarket(string? emptyToken)
    {
        var markets = RealMarkets();
        var gammaRequests = 0;
        return (path, q) =>
        {
            if (path == "/markets")
            {
                if (Interlocked.Increment(ref gammaRequests) == 2)
                {
                    return (429, "{\"error\":\"rate limited\"}", "0");
                }

                var offset = int.Parse(q["offset"], CultureInfo.InvariantCulture);
                var limit = Math.Min(4, int.Parse(q["limit"], CultureInfo.InvariantCulture));
                return (200, new JsonArray(markets.Skip(offset).Take(limit).Select(m => m!.DeepClone()).ToArray()).ToJsonString(), null);
            }

            if (path == "/prices-history")
            {
                if (q["market"] == emptyToken)
                {
                    return (200, "{\"history\":[]}", null);
                }

                var start = long.Parse(q["startTs"], CultureInfo.InvariantCulture);
                var end = long.Parse(q["endTs"], CultureInfo.InvariantCulture);
                var step = 3600 * long.Parse(q["fidelity"], CultureInfo.InvariantCulture) / 60;
                var points = new List<string>();
                for (var t = (start + step - 1) / step * step; t <= end; t += step)
                {
                    points.Add(string.Create(CultureInfo.InvariantCulture, $"{{\"t\":{t},\"p\":0.{t % 97:00}}}"));
                }

                return (200, "{\"history\":[" + string.Join(',', points) + "]}", null);
            }

            return (404, "{}", null);
        };
    }

    [Fact]
    public void Download_build_and_history_run_end_to_end_against_a_loopback_Polymarket()
    {
        var rows = RealMarkets().Select(m => m!.AsObject()).ToList();
        var speaker = rows.Single(m => m["id"]!.GetValue<string>() == "508204");
        var emptyToken = JsonSerializer.Deserialize<string[]>(speaker["clobTokenIds"]!.GetValue<string>())![0];
        using var server = Serve(Polymarket(emptyToken));
        var gammaDir = Path.Combine(_dir, "gamma");
        var dataset = Path.Combine(_dir, "gamma.parquet");
        var history = Path.Combine(_dir, "history");

        var download = Run($"pm download-gamma --out-dir {gammaDir} --gamma-url {server.BaseUrl} --limit 4 {Fast}");
        var again = Run($"pm download-gamma --out-dir {gammaDir} --gamma-url {server.BaseUrl} --limit 4 {Fast}");
        var build = Run($"pm build-gamma {gammaDir} --out {dataset}");
        var clob = Run($"pm download-clob-history {dataset} --out-dir {history} --clob-url {server.BaseUrl} --fidelity 60 --window 3d {Fast}");
        var clobAgain = Run($"pm download-clob-history {dataset} --out-dir {history} --clob-url {server.BaseUrl} {Fast}");

        Assert.Equal(0, download.ExitCode);
        Assert.Contains("11 new markets", download.Out, StringComparison.Ordinal);
        Assert.Equal(11, File.ReadAllLines(Path.Combine(gammaDir, "markets.jsonl")).Length);
        Assert.Contains("already complete: 11 markets", again.Out, StringComparison.Ordinal);

        Assert.Equal(0, build.ExitCode);
        Assert.Contains("7 markets kept (2 resolved YES), 4 dropped, of 11", build.Out, StringComparison.Ordinal);
        Assert.Contains("not yes/no", build.Out, StringComparison.Ordinal);
        Assert.Equal(5, File.ReadAllLines(dataset + ".dropped.tsv").Length);
        var built = MarketDataset.Read(dataset);
        Assert.Equal(7, built.Count);

        Assert.Equal(0, clob.ExitCode);
        Assert.Contains("7 tokens: 6 downloaded", clob.Out, StringComparison.Ordinal);
        Assert.Contains("1 empty", clob.Out, StringComparison.Ordinal);
        Assert.Equal(6, Directory.GetFiles(history, "*.csv").Length);
        Assert.Equal(emptyToken, File.ReadAllText(Path.Combine(history, "empty-histories.txt")).Trim());
        var file = File.ReadAllLines(Path.Combine(history, built.First(r => r.YesTokenId != emptyToken).YesTokenId + ".csv"));
        Assert.Equal("t,p", file[0]);
        Assert.Contains("6 already downloaded, 1 known empty, 0 failed; 0 requests", clobAgain.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deep_offset_422_fails_with_a_message_telling_to_narrow_the_window()
    {
        using var server = Serve((_, q) => q["offset"] == "0"
            ? (200, new JsonArray(RealMarkets().Take(2).Select(m => m!.DeepClone()).ToArray()).ToJsonString(), null)
            : (422, "{\"error\":\"offset too large\"}", null));

        var result = Run($"pm download-gamma --out-dir {_dir} --gamma-url {server.BaseUrl} --limit 2 {Fast}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HTTP 422", result.Err, StringComparison.Ordinal);
        Assert.Contains("--end-date-min/--end-date-max", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Retries_that_run_out_fail_with_the_URL_and_the_status()
    {
        using var server = Serve((_, _) => (503, "{\"error\":\"down\"}", null));

        var result = Run($"pm download-gamma --out-dir {_dir} --gamma-url {server.BaseUrl} --retries 2 {Fast}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"GET {server.BaseUrl}/markets?closed=true&limit=500&offset=0 failed after 3 attempts: HTTP 503", result.Err, StringComparison.Ordinal);
        Assert.Contains("rerun the same command to resume", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interrupted_download_exits_130_and_the_rerun_completes_without_duplicates()
    {
        using var cts = new CancellationTokenSource();
        var requests = 0;
        var markets = RealMarkets();
        using var server = Serve((_, q) =>
        {
            if (Interlocked.Increment(ref requests) == 2)
            {
                cts.Cancel();
            }

            var offset = int.Parse(q["offset"], CultureInfo.InvariantCulture);
            return (200, new JsonArray(markets.Skip(offset).Take(3).Select(m => m!.DeepClone()).ToArray()).ToJsonString(), null);
        });
        PmDownloadCommands.TestCancellation = cts.Token;
        CliResult first;
        try
        {
            first = Run($"pm download-gamma --out-dir {_dir} --gamma-url {server.BaseUrl} --limit 3 {Fast}");
        }
        finally
        {
            PmDownloadCommands.TestCancellation = CancellationToken.None;
        }

        var second = Run($"pm download-gamma --out-dir {_dir} --gamma-url {server.BaseUrl} --limit 3 {Fast}");

        Assert.Equal(PmDownloadCommands.ExitInterrupted, first.ExitCode);
        Assert.Contains("interrupted; rerun the same command to resume", first.Err, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("resumed", second.Out, StringComparison.Ordinal);
        var ids = File.ReadAllLines(Path.Combine(_dir, "markets.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToList();
        Assert.Equal(markets.Select(m => m!["id"]!.GetValue<string>()), ids);
    }

    [Fact]
    public void A_download_process_killed_with_SIGKILL_mid_run_resumes_without_duplicates()
    {
        var real = RealMarkets();
        var markets = Enumerable.Range(0, 60).Select(k =>
        {
            var m = real[k % real.Count]!.DeepClone().AsObject();
            m["id"] = (900000 + k).ToString(CultureInfo.InvariantCulture);
            return m;
        }).ToList();
        using var server = Serve((_, q) =>
        {
            Thread.Sleep(40);
            var offset = int.Parse(q["offset"], CultureInfo.InvariantCulture);
            return (200, new JsonArray(markets.Skip(offset).Take(3).Select(m => (JsonNode)m.DeepClone()).ToArray()).ToJsonString(), null);
        });
        var jsonl = Path.Combine(_dir, "markets.jsonl");
        var dll = Path.Combine(AppContext.BaseDirectory, "marketsim.dll");
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new System.Diagnostics.ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "pm", "download-gamma", "--out-dir", _dir, "--gamma-url", server.BaseUrl, "--limit", "3", "--rps", "0", "--quiet" })
        {
            info.ArgumentList.Add(a);
        }

        using (var child = System.Diagnostics.Process.Start(info)!)
        {
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(jsonl) || File.ReadAllLines(jsonl).Length < 9)
            {
                Assert.False(child.HasExited, "the download ended before it was killed");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "timed out waiting for the download to write");
                Thread.Sleep(5);
            }

            child.Kill(); // SIGKILL: no handler runs, nothing is flushed
            child.WaitForExit();
        }

        var killedAt = File.ReadAllLines(jsonl).Length;
        var resumed = Run($"pm download-gamma --out-dir {_dir} --gamma-url {server.BaseUrl} --limit 3 {Fast}");

        Assert.Equal(0, resumed.ExitCode);
        Assert.InRange(killedAt, 9, 59);
        Assert.Contains("resumed", resumed.Out, StringComparison.Ordinal);
        var ids = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToList();
        Assert.Equal(markets.Select(m => m["id"]!.GetValue<string>()), ids);
    }

    [Theory]
    [InlineData("pm download-gamma --out-dir X --gamma-url ftp://x")]
    [InlineData("pm download-gamma --out-dir X --window-days 3")]
    [InlineData("pm download-gamma --out-dir X --end-date-min yesterday")]
    [InlineData("pm download-gamma")]
    [InlineData("pm build-gamma /nonexistent/dir --out x.parquet")]
    [InlineData("pm download-clob-history /nonexistent.parquet --out-dir X")]
    public void Bad_arguments_are_usage_errors(string line)
    {
        var result = Run(line);

        Assert.Equal(CliApp.ExitUsage, result.ExitCode);
        Assert.StartsWith("marketsim: ", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7d", 7 * 86400)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("30m", 1800)]
    [InlineData("2", 2 * 86400)]
    public void Windows_are_read_as_durations(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), PmDownloadCommands.ParseDuration(text, "--window"));

    /// <summary>A loopback HTTP/1.1 server (raw TcpListener, Connection: close): handler gets path and query, returns status, body and Retry-After.</summary>
    /// <summary>The Polymarket test project's loopback server (linked source) with a (path, query) handler.</summary>
    private static LoopbackServer Serve(Func<string, IReadOnlyDictionary<string, string>, (int Status, string Body, string? RetryAfter)> handler) =>
        new(r =>
        {
            var (status, body, retryAfter) = handler(r.Path, r.Query);
            return new ServedResponse(status, body, retryAfter);
        });
}
