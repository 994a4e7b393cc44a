using System.Diagnostics;
using System.Text;

namespace MarketSim.Cli.Tests;

/// <summary>
/// docker-compose.yml and the Dockerfile at the repository root (docs/cluster-deploy.md): <c>docker-compose config</c>
/// (Debian's docker-compose 1.29, which ./test.sh installs) must accept the file with the credentials given as
/// environment variables, and its resolved output must describe the cluster: RabbitMQ and PostgreSQL with
/// healthchecks and named volumes, a coordinator+validator node, a miner node and a GPU miner node built from the
/// Dockerfile, waiting for healthy services, credentials only from the environment.
/// </summary>
[Trait("Category", "DockerCompose")]
public sealed class DockerComposeSpec : IDisposable
{
    private static readonly string[] Services = ["rabbitmq", "postgres", "coordinator", "miner-1", "miner-gpu"];
    private static readonly string[] Nodes = ["coordinator", "miner-1", "miner-gpu"];

    // Variables that would change what docker-compose resolves; removed from the child's environment.
    private static readonly string[] Inherited =
    [
        "RABBITMQ_USER", "RABBITMQ_PASSWORD", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB",
        "MARKETSIM_CLUSTER_NAME", "RABBITMQ_PUBLISH", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES",
        "COMPOSE_PATH_SEPARATOR", "COMPOSE_CONVERT_WINDOWS_PATHS", "DOCKER_HOST",
    ];

    // An empty --env-file, so that a developer's .env next to docker-compose.yml does not leak into the tests.
    private readonly string _emptyEnvFile = Path.Combine(Path.GetTempPath(), "marketsim-compose-" + Guid.NewGuid().ToString("N") + ".env");

    public DockerComposeSpec() => File.WriteAllText(_emptyEnvFile, "");

    public void Dispose() => File.Delete(_emptyEnvFile);

    private static string ComposeFile => Path.Combine(CliRunner.RepoRoot, "docker-compose.yml");

    private static Dictionary<string, string> Credentials(string suffix = "1") => new()
    {
        ["RABBITMQ_USER"] = "rabbit-user-" + suffix,
        ["RABBITMQ_PASSWORD"] = "rabbit-pass-" + suffix,
        ["POSTGRES_USER"] = "pg-user-" + suffix,
        ["POSTGRES_PASSWORD"] = "pg-pass-" + suffix,
        ["POSTGRES_DB"] = "pg-db-" + suffix,
    };

    [Fact]
    public void Config_accepts_the_file_and_lists_the_five_services()
    {
        var services = Map(Config(Credentials()), "services");
        Assert.Equal(Services.Order(StringComparer.Ordinal), services.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Rabbitmq_and_postgres_have_healthchecks_and_named_volumes()
    {
        var config = Config(Credentials());
        var volumes = Map(config, "volumes");

        var rabbit = Map(config, "services", "rabbitmq");
        Assert.StartsWith("rabbitmq:3", Text(rabbit, "image"), StringComparison.Ordinal);
        Assert.Equal("CMD rabbitmq-diagnostics -q ping", string.Join(' ', List(rabbit, "healthcheck", "test")));
        AssertNamedVolume(rabbit, volumes, "/var/lib/rabbitmq");

        var postgres = Map(config, "services", "postgres");
        Assert.Matches("^postgres:1[5-9]", Text(postgres, "image"));
        var pgTest = string.Join(' ', List(postgres, "healthcheck", "test"));
        Assert.Contains("pg_isready", pgTest, StringComparison.Ordinal);
        Assert.Contains("-U", pgTest, StringComparison.Ordinal);
        Assert.Contains("-d", pgTest, StringComparison.Ordinal);
        AssertNamedVolume(postgres, volumes, "/var/lib/postgresql/data");
    }

    [Fact]
    public void Node_services_build_the_repository_image_wait_for_healthy_services_and_have_a_healthcheck()
    {
        var config = Config(Credentials());
        foreach (var name in Nodes)
        {
            var node = Map(config, "services", name);
            Assert.Equal(CliRunner.RepoRoot.TrimEnd('/'), Text(node, "build", "context").TrimEnd('/'));
            Assert.Equal("Dockerfile", Text(node, "build", "dockerfile"));
            foreach (var dependency in new[] { "rabbitmq", "postgres" })
            {
                Assert.True(Text(node, "depends_on", dependency, "condition") == "service_healthy", $"{name} must wait for a healthy {dependency}");
            }

            Assert.NotEmpty(List(node, "healthcheck", "test"));
        }
    }

    [Fact]
    public void Node_commands_run_marketsim_node_with_hocon_node_conf_from_the_repository_and_their_roles()
    {
        var config = Config(Credentials());
        Assert.True(File.Exists(Path.Combine(CliRunner.RepoRoot, "hocon", "node.conf")), "hocon/node.conf is missing");
        var roles = new Dictionary<string, string>
        {
            ["coordinator"] = "coordinator,validator",
            ["miner-1"] = "miners",
            ["miner-gpu"] = "miners,gpu",
        };
        foreach (var (name, role) in roles)
        {
            var words = Command(Map(config, "services", name));
            Assert.Equal("node", words[0]);
            Assert.Equal("hocon/node.conf", After(words, "--config", name));
            Assert.Equal(role, After(words, "--roles", name));
        }

        var coordinator = Command(Map(config, "services", "coordinator"));
        Assert.Contains("petabridge.cmd.host=0.0.0.0", coordinator);
    }

    [Fact]
    public void Only_the_coordinator_publishes_pbm_and_only_on_loopback_and_it_keeps_run_folders_in_a_named_volume()
    {
        var config = Config(Credentials());
        var coordinator = Map(config, "services", "coordinator");
        var ports = List(coordinator, "ports");
        var port = Assert.Single(ports);
        Assert.Equal("127.0.0.1:9110:9110", PortText(port).Replace("/tcp", "", StringComparison.Ordinal));
        AssertNamedVolume(coordinator, Map(config, "volumes"), "/app/runs");

        foreach (var miner in new[] { "miner-1", "miner-gpu" })
        {
            // Published ports would stop `docker-compose up --scale miner-1=N`.
            Assert.False(Map(config, "services", miner).ContainsKey("ports"), $"{miner} publishes ports");
        }

        // Every port RabbitMQ publishes binds an address (loopback by default), never all interfaces implicitly.
        foreach (var p in List(Map(config, "services", "rabbitmq"), "ports"))
        {
            Assert.StartsWith("127.0.0.1:", PortText(p), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Miner_gpu_reserves_one_nvidia_gpu()
    {
        var config = Config(Credentials());
        var gpu = Map(config, "services", "miner-gpu");
        var device = Assert.IsType<Dictionary<string, object?>>(Assert.Single(List(gpu, "deploy", "resources", "reservations", "devices")));
        Assert.Equal("nvidia", Text(device, "driver"));
        Assert.Equal("1", Text(device, "count"));
        Assert.Contains("gpu", List(device, "capabilities").Cast<string>());

        foreach (var other in new[] { "coordinator", "miner-1" })
        {
            Assert.False(Map(config, "services", other).ContainsKey("deploy"), $"{other} reserves devices");
        }
    }

    [Fact]
    public void Credentials_come_from_the_environment_and_never_the_guest_account()
    {
        var first = Config(Credentials("1"));
        var second = Config(Credentials("2"));
        foreach (var (config, suffix) in new[] { (first, "1"), (second, "2") })
        {
            var rabbit = Map(config, "services", "rabbitmq", "environment");
            Assert.Equal("rabbit-user-" + suffix, Text(rabbit, "RABBITMQ_DEFAULT_USER"));
            Assert.Equal("rabbit-pass-" + suffix, Text(rabbit, "RABBITMQ_DEFAULT_PASS"));

            var postgres = Map(config, "services", "postgres", "environment");
            Assert.Equal("pg-user-" + suffix, Text(postgres, "POSTGRES_USER"));
            Assert.Equal("pg-pass-" + suffix, Text(postgres, "POSTGRES_PASSWORD"));
            Assert.Equal("pg-db-" + suffix, Text(postgres, "POSTGRES_DB"));

            foreach (var name in Nodes)
            {
                var env = Map(config, "services", name, "environment");
                Assert.Equal($"amqp://rabbit-user-{suffix}:rabbit-pass-{suffix}@rabbitmq:5672/", Text(env, "MARKETSIM_AMQP"));
                Assert.Equal($"Host=postgres;Port=5432;Username=pg-user-{suffix};Password=pg-pass-{suffix};Database=pg-db-{suffix}", Text(env, "MARKETSIM_POSTGRES"));
            }
        }

        var run1 = Run(Credentials("1"));
        var run2 = Run(Credentials("2"));
        Assert.NotEqual(run1.Out, run2.Out);
        Assert.DoesNotContain("guest", run1.Out, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("guest", File.ReadAllText(ComposeFile), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("RABBITMQ_PASSWORD")]
    [InlineData("RABBITMQ_USER")]
    [InlineData("POSTGRES_PASSWORD")]
    [InlineData("POSTGRES_USER")]
    [InlineData("POSTGRES_DB")]
    public void Config_fails_naming_the_variable_when_a_credential_is_not_set(string variable)
    {
        var env = Credentials();
        env.Remove(variable);
        var r = Run(env);
        Assert.True(r.ExitCode != 0, $"docker-compose config succeeded without {variable}:\n{r.Out}");
        Assert.Contains(variable, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_publishes_the_cli_and_runs_marketsim_as_a_non_root_user()
    {
        var path = Path.Combine(CliRunner.RepoRoot, "Dockerfile");
        Assert.True(File.Exists(path), "Dockerfile is missing");
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.Contains(lines, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/runtime:10.0", StringComparison.Ordinal)
            || l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish src/MarketSim.Cli/MarketSim.Cli.csproj", StringComparison.Ordinal) && l.Contains("-o /out", StringComparison.Ordinal));
        Assert.Contains("WORKDIR /app", lines);
        Assert.Contains(lines, l => l.StartsWith("COPY hocon/", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("COPY scenarios/", StringComparison.Ordinal));
        Assert.Contains("EXPOSE 9110", lines);

        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"^USER\s+(root|0)(:|$)", user);

        var entrypoint = lines.Last(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
        Assert.Matches(@"^ENTRYPOINT \[""(dotnet"", ""/app/marketsim\.dll|/app/marketsim)""\]$", entrypoint);
        Assert.Equal("marketsim", GetAssemblyName());

        // The compose healthcheck runs the same assembly's pbm client.
        var healthcheck = string.Join(' ', List(Map(Config(Credentials()), "services", "coordinator"), "healthcheck", "test"));
        Assert.Contains("/app/marketsim", healthcheck, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerignore_keeps_build_outputs_runs_and_secrets_out_of_the_context()
    {
        var path = Path.Combine(CliRunner.RepoRoot, ".dockerignore");
        Assert.True(File.Exists(path), ".dockerignore is missing");
        var entries = File.ReadAllLines(path).Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        foreach (var required in new[] { ".git", ".env", "**/bin/", "**/obj/", "runs/", ".tools/" })
        {
            Assert.Contains(required, entries);
        }
    }

    // -- helpers

    private static string GetAssemblyName()
    {
        var csproj = File.ReadAllText(Path.Combine(CliRunner.RepoRoot, "src", "MarketSim.Cli", "MarketSim.Cli.csproj"));
        var start = csproj.IndexOf("<AssemblyName>", StringComparison.Ordinal) + "<AssemblyName>".Length;
        return csproj[start..csproj.IndexOf("</AssemblyName>", StringComparison.Ordinal)];
    }

    private static void AssertNamedVolume(Dictionary<string, object?> service, Dictionary<string, object?> volumes, string target)
    {
        // docker-compose 1.29 prints short syntax (name:/target:rw); Compose v2 prints long syntax.
        var sources = List(service, "volumes").Select(v => v switch
        {
            string s when s.Split(':') is var parts && parts.Length >= 2 && parts[1] == target => parts[0],
            Dictionary<string, object?> m when m.GetValueOrDefault("target") as string == target && m.GetValueOrDefault("type") as string == "volume" => m.GetValueOrDefault("source") as string,
            _ => null,
        }).Where(s => s is not null).ToList();
        var source = Assert.Single(sources);
        Assert.True(volumes.ContainsKey(source!), $"{target} is mounted from '{source}', which is not a named volume");
    }

    private static string PortText(object? port) => port switch
    {
        string s => s,
        Dictionary<string, object?> m => $"{m.GetValueOrDefault("host_ip")}:{m.GetValueOrDefault("published")}:{m.GetValueOrDefault("target")}",
        _ => throw new InvalidOperationException("unexpected port entry"),
    };

    private static List<string> Command(Dictionary<string, object?> service) => service.GetValueOrDefault("command") switch
    {
        string s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
        List<object?> l => l.Cast<string>().ToList(),
        _ => throw new Xunit.Sdk.XunitException("service has no command"),
    };

    private static string After(List<string> words, string option, string service)
    {
        var i = words.IndexOf(option);
        Assert.True(i >= 0 && i + 1 < words.Count, $"{service}: no {option} in '{string.Join(' ', words)}'");
        return words[i + 1];
    }

    private static Dictionary<string, object?> Map(Dictionary<string, object?> root, params string[] path)
    {
        object? node = root;
        foreach (var key in path)
        {
            Assert.True(node is Dictionary<string, object?> m && m.ContainsKey(key), $"no '{key}' in the resolved config (path {string.Join('.', path)})");
            node = ((Dictionary<string, object?>)node!)[key];
        }

        return node as Dictionary<string, object?> ?? throw new Xunit.Sdk.XunitException($"{string.Join('.', path)} is not a mapping");
    }

    private static List<object?> List(Dictionary<string, object?> root, params string[] path)
    {
        var parent = Map(root, path[..^1]);
        Assert.True(parent.TryGetValue(path[^1], out var value), $"no '{path[^1]}' (path {string.Join('.', path)})");
        return value as List<object?> ?? throw new Xunit.Sdk.XunitException($"{string.Join('.', path)} is not a list");
    }

    private static string Text(Dictionary<string, object?> root, params string[] path)
    {
        var parent = Map(root, path[..^1]);
        Assert.True(parent.TryGetValue(path[^1], out var value), $"no '{path[^1]}' (path {string.Join('.', path)})");
        return value as string ?? throw new Xunit.Sdk.XunitException($"{string.Join('.', path)} is not a scalar");
    }

    private Dictionary<string, object?> Config(Dictionary<string, string> env)
    {
        var r = Run(env);
        Assert.True(r.ExitCode == 0, $"docker-compose config failed ({r.ExitCode}):\n{r.Err}");
        return MiniYaml.Parse(r.Out) as Dictionary<string, object?> ?? throw new Xunit.Sdk.XunitException("config printed no mapping:\n" + r.Out);
    }

    private CliResult Run(Dictionary<string, string> env)
    {
        var exe = FindOnPath("docker-compose");
        if (exe is null)
        {
            Assert.Fail("docker-compose not found; ./test.sh installs it with apt-get");
        }

        var info = new ProcessStartInfo(exe!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = CliRunner.RepoRoot,
        };
        foreach (var a in new[] { "--env-file", _emptyEnvFile, "-f", ComposeFile, "config" })
        {
            info.ArgumentList.Add(a);
        }

        foreach (var name in Inherited)
        {
            info.Environment.Remove(name);
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("docker-compose config did not finish within 60 s");
        }

        return new CliResult(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads the block YAML that <c>docker-compose config</c> prints (PyYAML's dump; Compose v2's is alike): mappings,
    /// sequences (indented or not), plain and quoted scalars, plain scalars folded over several lines, <c>{}</c> and
    /// <c>[]</c>. Scalars stay strings. Not a general YAML reader.
    /// </summary>
    private static class MiniYaml
    {
        private readonly record struct Line(int Indent, string Text);

        public static object? Parse(string yaml)
        {
            var lines = yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
                .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
                .Select(l => new Line(l.Length - l.TrimStart(' ').Length, l.Trim()))
                .ToList();
            var i = 0;
            return lines.Count == 0 ? null : Node(lines, ref i, lines[0].Indent);
        }

        private static bool IsItem(Line l) => l.Text == "-" || l.Text.StartsWith("- ", StringComparison.Ordinal);

        private static object? Node(List<Line> lines, ref int i, int indent) =>
            IsItem(lines[i]) ? Sequence(lines, ref i, indent) : Mapping(lines, ref i, indent);

        private static List<object?> Sequence(List<Line> lines, ref int i, int indent)
        {
            var list = new List<object?>();
            while (i < lines.Count && lines[i].Indent == indent && IsItem(lines[i]))
            {
                var content = lines[i].Text.Length > 1 ? lines[i].Text[2..].TrimStart() : "";
                var contentIndent = indent + (lines[i].Text.Length - content.Length);
                if (content.Length == 0)
                {
                    i++;
                    list.Add(i < lines.Count && lines[i].Indent > indent ? Node(lines, ref i, lines[i].Indent) : null);
                }
                else if (SplitKey(content) is not null || content.StartsWith("- ", StringComparison.Ordinal))
                {
                    // "- key: value" opens a mapping whose keys line up with "key".
                    lines[i] = new Line(contentIndent, content);
                    list.Add(Node(lines, ref i, contentIndent));
                }
                else
                {
                    list.Add(Scalar(lines, ref i, content, indent));
                }
            }

            return list;
        }

        private static Dictionary<string, object?> Mapping(List<Line> lines, ref int i, int indent)
        {
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (i < lines.Count && lines[i].Indent == indent && !IsItem(lines[i]))
            {
                var (key, rest) = SplitKey(lines[i].Text) ?? throw new FormatException($"expected 'key:' at '{lines[i].Text}'");
                if (rest.Length > 0)
                {
                    map[key] = Scalar(lines, ref i, rest, indent);
                    continue;
                }

                i++;
                if (i < lines.Count && (lines[i].Indent > indent || (lines[i].Indent == indent && IsItem(lines[i]))))
                {
                    map[key] = Node(lines, ref i, lines[i].Indent);
                }
                else
                {
                    map[key] = null;
                }
            }

            if (i < lines.Count && lines[i].Indent > indent)
            {
                throw new FormatException($"unexpected indentation at '{lines[i].Text}'");
            }

            return map;
        }

        // A scalar starting on line i, folded with the following lines indented deeper than its owner.
        private static object? Scalar(List<Line> lines, ref int i, string first, int ownerIndent)
        {
            var text = new StringBuilder(first);
            i++;
            while (i < lines.Count && lines[i].Indent > ownerIndent)
            {
                text.Append(' ').Append(lines[i].Text);
                i++;
            }

            var s = text.ToString();
            return s switch
            {
                "{}" => new Dictionary<string, object?>(StringComparer.Ordinal),
                "[]" => new List<object?>(),
                "null" or "~" => null,
                _ => Unquote(s),
            };
        }

        private static (string Key, string Value)? SplitKey(string text)
        {
            int end;
            if (text.StartsWith('\'') || text.StartsWith('"'))
            {
                end = ClosingQuote(text);
                if (end < 0 || end + 1 >= text.Length || text[end + 1] != ':')
                {
                    return null;
                }

                end++;
            }
            else
            {
                end = text.IndexOf(": ", StringComparison.Ordinal);
                if (end < 0)
                {
                    end = text.EndsWith(':') ? text.Length - 1 : -1;
                }

                if (end < 0)
                {
                    return null;
                }
            }

            if (end + 1 < text.Length && text[end + 1] != ' ')
            {
                return null;
            }

            return (Unquote(text[..end]), text[(end + 1)..].Trim());
        }

        private static int ClosingQuote(string text)
        {
            var q = text[0];
            for (var k = 1; k < text.Length; k++)
            {
                if (q == '\'' && text[k] == '\'')
                {
                    if (k + 1 < text.Length && text[k + 1] == '\'')
                    {
                        k++;
                        continue;
                    }

                    return k;
                }

                if (q == '"' && text[k] == '\\')
                {
                    k++;
                    continue;
                }

                if (q == '"' && text[k] == '"')
                {
                    return k;
                }
            }

            return -1;
        }

        private static string Unquote(string s)
        {
            if (s.Length >= 2 && s[0] == '\'' && s[^1] == '\'')
            {
                return s[1..^1].Replace("''", "'", StringComparison.Ordinal);
            }

            if (s.Length >= 2 && s[0] == '"' && s[^1] == '"')
            {
                var inner = s[1..^1];
                var b = new StringBuilder(inner.Length);
                for (var k = 0; k < inner.Length; k++)
                {
                    if (inner[k] == '\\' && k + 1 < inner.Length)
                    {
                        k++;
                        b.Append(inner[k] switch
                        {
                            'n' => '\n',
                            't' => '\t',
                            _ => inner[k],
                        });
                    }
                    else
                    {
                        b.Append(inner[k]);
                    }
                }

                return b.ToString();
            }

            return s;
        }
    }
}
