using System.Reflection;

namespace MarketSim.Hocon;

/// <summary>Resolves include targets relative to the including file and guards against include cycles.</summary>
internal sealed class IncludeContext
{
    private readonly string? _baseDirectory;
    private readonly List<string> _stack;

    public IncludeContext(string? baseDirectory, List<string> stack)
    {
        _baseDirectory = baseDirectory;
        _stack = stack;
    }

    public static IncludeContext ForString() => new(null, []);

    public static IncludeContext ForFile(string fullPath) => new(Path.GetDirectoryName(fullPath), [fullPath]);

    public HoconObject? Load(IncludeRequest req, string[] prefix)
    {
        var kind = req.Kind;
        var name = req.Name;
        if (kind == IncludeKind.Heuristic && name.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            kind = IncludeKind.Url;
        }

        HoconObject? result = kind switch
        {
            IncludeKind.Url => LoadUrl(req, prefix),
            IncludeKind.Classpath => LoadClasspath(req, prefix),
            IncludeKind.File => LoadFile(req, prefix),
            _ => LoadFile(req, prefix) ?? LoadClasspath(req, prefix),
        };

        if (result is null && req.Required)
        {
            throw new HoconParseException(req.Origin, $"expected required include '{name}' to exist but it was not found");
        }

        return result;
    }

    private HoconObject? LoadUrl(IncludeRequest req, string[] prefix)
    {
        if (!Uri.TryCreate(req.Name, UriKind.Absolute, out var uri))
        {
            throw new HoconParseException(req.Origin, $"expected an absolute URL in include url(...) but found '{req.Name}'");
        }

        if (!uri.IsFile)
        {
            throw new HoconParseException(req.Origin, $"expected a file:// URL in include (only file URLs are supported) but found '{req.Name}'");
        }

        return LoadPath(uri.LocalPath, req, prefix);
    }

    private HoconObject? LoadFile(IncludeRequest req, string[] prefix)
    {
        var path = Path.IsPathRooted(req.Name) ? req.Name : Path.Combine(_baseDirectory ?? Directory.GetCurrentDirectory(), req.Name);
        return LoadPath(path, req, prefix);
    }

    private HoconObject? LoadPath(string path, IncludeRequest req, string[] prefix)
    {
        if (Path.HasExtension(path) && File.Exists(path))
        {
            return ParseIncluded(path, File.ReadAllText(path), Path.GetFullPath(path), req, prefix);
        }

        if (Path.HasExtension(path) && Path.GetExtension(path) is ".conf" or ".json" or ".properties")
        {
            return null;
        }

        // no (known) extension: try .conf, .json, .properties; .conf wins over .json over .properties
        HoconObject? merged = null;
        foreach (var ext in new[] { ".conf", ".json", ".properties" })
        {
            var candidate = path + ext;
            if (!File.Exists(candidate))
            {
                continue;
            }

            var obj = ParseIncluded(candidate, File.ReadAllText(candidate), Path.GetFullPath(candidate), req, prefix);
            merged = merged is null ? obj : Merger.Merge(merged, obj) as HoconObject;
        }

        if (merged is null && File.Exists(path))
        {
            return ParseIncluded(path, File.ReadAllText(path), Path.GetFullPath(path), req, prefix);
        }

        return merged;
    }

    private HoconObject? LoadClasspath(IncludeRequest req, string[] prefix)
    {
        var name = req.Name.TrimStart('/');
        var dotted = name.Replace('/', '.').Replace('\\', '.');
        var candidates = Path.HasExtension(dotted) ? [dotted] : new[] { dotted + ".conf", dotted + ".json", dotted + ".properties", dotted };
        foreach (var asm in ResourceScanner.MarketSimAssemblies())
        {
            string[] names;
            try
            {
                names = asm.GetManifestResourceNames();
            }
            catch (NotSupportedException)
            {
                continue;
            }

            foreach (var candidate in candidates)
            {
                foreach (var rn in names)
                {
                    if (rn == candidate || rn.EndsWith("." + candidate, StringComparison.Ordinal))
                    {
                        var text = ResourceScanner.ReadResource(asm, rn);
                        if (text is not null)
                        {
                            return ParseIncluded(rn, text, "resource:" + asm.GetName().Name + "/" + rn, req, prefix);
                        }
                    }
                }
            }
        }

        return null;
    }

    private HoconObject ParseIncluded(string displayName, string text, string identity, IncludeRequest req, string[] prefix)
    {
        if (_stack.Contains(identity))
        {
            var chain = string.Join(" -> ", _stack.Append(identity).Select(Path.GetFileName));
            throw new HoconParseException(req.Origin, $"expected no include cycle but found {chain}");
        }

        var childStack = new List<string>(_stack) { identity };
        var dir = identity.StartsWith("resource:", StringComparison.Ordinal) ? _baseDirectory : Path.GetDirectoryName(identity);
        var child = new IncludeContext(dir, childStack);
        return displayName.EndsWith(".properties", StringComparison.OrdinalIgnoreCase)
            ? PropertiesParser.Parse(text, displayName)
            : Parser.ParseDocument(text, displayName, child, prefix);
    }
}

/// <summary>Finds MarketSim.* assemblies and reads their embedded resources.</summary>
internal static class ResourceScanner
{
    /// <summary>MarketSim's own assemblies: "MarketSim.*" and the command line, "marketsim".</summary>
    private static bool IsMarketSim(string name) =>
        name.StartsWith("MarketSim.", StringComparison.Ordinal) || name == "marketsim";

    private static IEnumerable<string> SafeEnumerate(string directory)
    {
        try
        {
            return Directory.GetFiles(directory, "*.dll");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return [];
        }
    }

    public static IReadOnlyList<Assembly> MarketSimAssemblies()
    {
        var byName = new SortedDictionary<string, Assembly>(StringComparer.Ordinal);
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
        {
            var n = a.GetName().Name;
            if (n is not null && IsMarketSim(n) && !a.IsDynamic)
            {
                byName.TryAdd(n, a);
            }
        }

        // also load referenced MarketSim.* assemblies that are not loaded yet
        var queue = new Queue<Assembly>(byName.Values);
        var entry = Assembly.GetEntryAssembly();
        if (entry is not null)
        {
            queue.Enqueue(entry);
        }

        // Modules deployed next to the application but not referenced from code yet (the compiler
        // drops unused references) still contribute their defaults.
        foreach (var file in SafeEnumerate(AppContext.BaseDirectory))
        {
            var n = Path.GetFileNameWithoutExtension(file);
            if (!IsMarketSim(n) || byName.ContainsKey(n))
            {
                continue;
            }

            try
            {
                var loaded = Assembly.Load(new AssemblyName(n));
                byName[n] = loaded;
                queue.Enqueue(loaded);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // not a loadable assembly of ours
            }
        }

        while (queue.Count > 0)
        {
            var a = queue.Dequeue();
            foreach (var r in a.GetReferencedAssemblies())
            {
                if (r.Name is null || !IsMarketSim(r.Name) || byName.ContainsKey(r.Name))
                {
                    continue;
                }

                try
                {
                    var loaded = Assembly.Load(r);
                    byName[r.Name] = loaded;
                    queue.Enqueue(loaded);
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // a reference that is not deployed has no reference.conf to contribute
                }
            }
        }

        return [.. byName.Values];
    }

    public static string? ReadResource(Assembly assembly, string resourceName)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>Minimal Java-properties reader for <c>include "x.properties"</c>: keys are paths, values strings.</summary>
internal static class PropertiesParser
{
    public static HoconObject Parse(string text, string file)
    {
        var root = new HoconObject(new ConfigOrigin(file, 1, 1));
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimStart();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var sep = line.IndexOfAny(['=', ':']);
            var ws = line.IndexOfAny([' ', '\t']);
            if (sep < 0 || (ws >= 0 && ws < sep && line[ws..sep].Trim().Length > 0))
            {
                sep = ws;
            }

            var key = sep < 0 ? line : line[..sep].Trim();
            var value = sep < 0 ? string.Empty : line[(sep + 1)..].Trim();
            if (key.Length == 0)
            {
                continue;
            }

            var origin = new ConfigOrigin(file, n + 1, 1);
            Parser.SetPath(root, key.Split('.'), HoconScalar.Str(value, origin));
        }

        return root;
    }
}
