using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using MarketSim.Hocon;

namespace MarketSim.Benchmarks;

/// <summary>Parse + full resolve of a generated ~2,000-line configuration.</summary>
[MemoryDiagnoser]
public class HoconBenchmarks
{
    private string _text = string.Empty;

    /// <summary>Number of lines of the generated document.</summary>
    public int Lines { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _text = Generate(2000);
        Lines = _text.Count(c => c == '\n');
    }

    /// <summary>Builds a deterministic config with nested objects, arrays, comments, durations, sizes, substitutions, += and path keys.</summary>
    public static string Generate(int targetLines)
    {
        var sb = new StringBuilder();
        var lines = 0;
        void L(string s)
        {
            sb.Append(s).Append('\n');
            lines++;
        }

        L("# generated benchmark configuration");
        L("defaults {");
        L("  timeout = 5s");
        L("  buffer = 64 KiB");
        L("  retries = 3");
        L("  host = \"localhost\"");
        L("  tags = [core, sim]");
        L("}");
        var i = 0;
        while (lines < targetLines - 20)
        {
            var name = "service" + i.ToString(CultureInfo.InvariantCulture);
            L($"// service {i}");
            L($"{name} = ${{defaults}} {{");
            L($"  name = \"{name}\"");
            L($"  port = {8000 + i}");
            L($"  url = \"http://\"${{defaults.host}}\":\"${{{name}.port}}\"/api\"");
            L($"  timeout = {(i % 7) + 1}00 ms   # per-request");
            L($"  ratio = 0.{i % 10}5");
            L("  enabled = " + (i % 2 == 0 ? "yes" : "true"));
            L("  limits {");
            L($"    max-size = {(i % 5) + 1} MiB");
            L($"    burst = {i * 3}");
            L("    windows = [1s, 10s, 1m]");
            L("  }");
            L("  routes = [");
            L($"    {{ path = \"/a/{i}\", weight = 1 }}");
            L($"    {{ path = \"/b/{i}\", weight = 2 }}");
            L("  ]");
            L("}");
            L($"{name}.tags += extra{i}");
            L($"{name}.limits.\"dotted.key\" = \"\"\"raw {i}\"\"\"");
            L($"cluster.members.{name} = ${{{name}.url}}");
            i++;
        }

        L("cluster.size = " + i.ToString(CultureInfo.InvariantCulture));
        L("cluster.seeds = [${service0.url}, ${?service1.url}]");
        while (lines < targetLines)
        {
            L("# padding comment");
        }

        return sb.ToString();
    }

    [Benchmark]
    public string ParseAndResolve() => ConfigFactory.ParseString(_text, "bench.conf").ToJson(indented: false);

    [Benchmark]
    public int ParseOnly() => ConfigFactory.ParseString(_text, "bench.conf").UnresolvedRoot.Count;
}
