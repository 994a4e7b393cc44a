using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using MarketSim.Hocon;

namespace MarketSim.Pbm;

/// <summary>
/// The node side of pbm (Petabridge.Cmd.Host): listens on <c>petabridge.cmd { host, port }</c>, sends the
/// registered palettes to each client on connect and runs the commands it receives (docs/pbm.md).
/// Built in: <c>help</c>, the <c>actor</c> palette and the <c>log</c> palette.
/// </summary>
public sealed class PbmHost : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<CommandPalette> _palettes = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private long _malformedFrames;
    private long _connectionCount;
    private int _activeCommands;

    /// <summary>Creates the host and its log memorizer; call <see cref="Start"/> to listen.</summary>
    public PbmHost(ActorSystem system, Config? config = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        System = system;
        Settings = PbmSettings.FromConfig(config);
        LogMemorizer = system.ActorOf(Pbm.LogMemorizer.Props(Settings.LogBufferSize, LogLevels.Published(system)), Pbm.LogMemorizer.ActorName);

        // subscribe now, not in PreStart: events published before the actor started are queued, not lost
        system.EventStream.Subscribe(LogMemorizer, typeof(LogEvent));
        RegisterPalette(BuiltinPalettes.Actor());
        RegisterPalette(BuiltinPalettes.Log(LogMemorizer));
    }

    /// <summary>The actor system the host serves.</summary>
    public ActorSystem System { get; }

    /// <summary>Host settings (<c>petabridge.cmd.*</c>, defaults where missing).</summary>
    public PbmSettings Settings { get; }

    /// <summary>The actor holding recent log lines (<c>/user/petabridge.cmd-log-memorizer</c>).</summary>
    public IActorRef LogMemorizer { get; }

    /// <summary>Where the host listens once started (the OS-chosen port when <c>port = 0</c>).</summary>
    public IPEndPoint BoundEndpoint => (IPEndPoint?)_listener?.LocalEndpoint ?? throw new InvalidOperationException("PbmHost is not started");

    /// <summary>Frames that broke the protocol (their connections were closed; each is logged at WARNING).</summary>
    public long MalformedFrames => Interlocked.Read(ref _malformedFrames);

    /// <summary>Connections accepted since start.</summary>
    public long ConnectionCount => Interlocked.Read(ref _connectionCount);

    /// <summary>Commands running now (streaming ones until cancelled).</summary>
    public int ActiveCommands => Volatile.Read(ref _activeCommands);

    /// <summary>The registered palettes, in registration order.</summary>
    public IReadOnlyList<CommandPalette> Palettes
    {
        get
        {
            lock (_lock)
            {
                return _palettes.ToList();
            }
        }
    }

    /// <summary>Adds a palette (e.g. <c>cluster</c>); clients that connect afterwards see it. Names are unique; <c>help</c> is reserved.</summary>
    public void RegisterPalette(CommandPalette palette)
    {
        ArgumentNullException.ThrowIfNull(palette);
        if (palette.Name == "help" || string.IsNullOrWhiteSpace(palette.Name) || palette.Name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"invalid palette name '{palette.Name}'", nameof(palette));
        }

        lock (_lock)
        {
            if (_palettes.Any(p => p.Name == palette.Name))
            {
                throw new ArgumentException($"a palette named '{palette.Name}' is already registered", nameof(palette));
            }

            _palettes.Add(palette);
        }
    }

    /// <summary>Binds the listener (throws <see cref="SocketException"/> when the address is in use) and starts accepting.</summary>
    public PbmHost Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("PbmHost is already started");
        }

        var address = Settings.Host is "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(Settings.Host, out var ip) ? ip
            : Dns.GetHostAddresses(Settings.Host).First();
        _listener = new TcpListener(address, Settings.Port);
        _listener.Start();
        System.Log.Info("pbm host listening on {0}", FormatEndpoint(BoundEndpoint));
        _acceptLoop = AcceptLoopAsync(_listener);
        return this;
    }

    /// <summary>Stops listening, cancels running commands and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener?.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        System.Stop(LogMemorizer);
        _stopping.Dispose();
    }

    internal static string FormatEndpoint(IPEndPoint ep) =>
        ep.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]:{ep.Port}" : $"{ep.Address}:{ep.Port}";

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            var task = Task.Run(() => HandleConnectionAsync(client));
            lock (_lock)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task HandleConnectionAsync(TcpClient client)
    {
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
        using var _ = client;
        var stream = client.GetStream();
        var writeLock = new SemaphoreSlim(1, 1);
        using var connectionCts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        (long Id, CancellationTokenSource Cts, Task Task)? running = null;

        async Task Send(JsonObject frame)
        {
            await writeLock.WaitAsync(connectionCts.Token).ConfigureAwait(false);
            try
            {
                await PbmProtocol.WriteFrameAsync(stream, frame, connectionCts.Token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }

        try
        {
            while (true)
            {
                var frame = await PbmProtocol.ReadFrameAsync(stream, Settings.MaxFrameSize, connectionCts.Token).ConfigureAwait(false);
                if (frame is null)
                {
                    break;
                }

                switch (PbmProtocol.TypeOf(frame))
                {
                    case "hello":
                        await Send(PbmProtocol.PalettesToJson(Palettes.Select(p => new PaletteInfo(p.Name, p.Description, p.Commands)))).ConfigureAwait(false);
                        break;
                    case "command":
                        var id = PbmProtocol.IdOf(frame);
                        var text = PbmProtocol.StringOf(frame, "text") ?? throw new PbmProtocolException("expected a string \"text\" in a command frame");
                        if (running is { Task.IsCompleted: false })
                        {
                            await Send(End(id, false, "another command is still running on this connection")).ConfigureAwait(false);
                            break;
                        }

                        running?.Cts.Dispose();
                        var cts = CancellationTokenSource.CreateLinkedTokenSource(connectionCts.Token);
                        running = (id, cts, RunCommandAsync(id, text, Send, cts.Token));
                        break;
                    case "cancel":
                        var cancelId = PbmProtocol.IdOf(frame);
                        if (running is { } r && r.Id == cancelId && !r.Task.IsCompleted)
                        {
                            await r.Cts.CancelAsync().ConfigureAwait(false);
                        }

                        break;
                    default:
                        throw new PbmProtocolException($"unknown frame type '{PbmProtocol.TypeOf(frame)}'");
                }
            }
        }
        catch (PbmProtocolException ex)
        {
            Interlocked.Increment(ref _malformedFrames);
            System.Log.Warning("pbm host: malformed frame from {0}: {1}; closing the connection", remote, ex.Message);
            try
            {
                await Send(new JsonObject { ["type"] = "error", ["text"] = "malformed frame: " + ex.Message }).ConfigureAwait(false);
            }
            catch (Exception sendEx) when (sendEx is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
                // the client is gone already
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // disconnected or host stopping
        }
        finally
        {
            await connectionCts.CancelAsync().ConfigureAwait(false);
            if (running is { } r)
            {
                await r.Task.ConfigureAwait(false);
                r.Cts.Dispose();
            }
        }
    }

    private static JsonObject End(long id, bool ok, string? error = null, bool cancelled = false)
    {
        var o = new JsonObject { ["type"] = "end", ["id"] = id, ["ok"] = ok };
        if (error is not null)
        {
            o["error"] = error;
        }

        if (cancelled)
        {
            o["cancelled"] = true;
        }

        return o;
    }

    private async Task RunCommandAsync(long id, string text, Func<JsonObject, Task> send, CancellationToken ct)
    {
        Interlocked.Increment(ref _activeCommands);
        JsonObject end;
        try
        {
            await Task.Yield();
            var output = new FrameOutput(id, send);
            var words = CommandParser.Tokenize(text);
            if (words.Count == 0)
            {
                throw new PbmCommandException("empty command; type help for the list of commands");
            }

            var palettes = Palettes;
            if (words[0] == "help" && words.Count == 1)
            {
                foreach (var line in HelpFormatter.Render(palettes.Select(p => new PaletteInfo(p.Name, p.Description, p.Commands)).ToList()))
                {
                    await output.WriteLineAsync(line).ConfigureAwait(false);
                }
            }
            else
            {
                var palette = palettes.FirstOrDefault(p => p.Name == words[0]);
                var command = words.Count > 1 ? palette?.Commands.FirstOrDefault(c => c.Name == words[1]) : null;
                if (palette is null || command is null)
                {
                    var typed = string.Join(' ', words.Take(2));
                    var known = palettes.SelectMany(p => p.Commands.Select(c => p.Name + " " + c.Name)).Prepend("help").ToList();
                    var close = CommandParser.Suggest(typed, known);
                    throw new PbmCommandException($"unknown command '{typed}'" + (close.Count > 0 ? $"; did you mean: {string.Join(", ", close)}?" : "; type help for the list of commands"));
                }

                var args = CommandParser.BindArguments(palette.Name + " " + command.Name, command, words.Skip(2).ToList());
                await palette.Handler(new CommandInvocation(palette, command, args, System), output, ct).ConfigureAwait(false);
            }

            end = End(id, true, cancelled: ct.IsCancellationRequested);
        }
        catch (PbmCommandException ex)
        {
            end = End(id, false, ex.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            end = End(id, true, cancelled: true);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            Interlocked.Decrement(ref _activeCommands);
            return; // the client is gone
        }
        catch (Exception ex)
        {
            System.Log.Error(ex, "pbm host: command '{0}' failed: {1}", text, ex.Message);
            end = End(id, false, $"{ex.GetType().Name}: {ex.Message}");
        }

        try
        {
            await send(end).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // the client is gone
        }
        finally
        {
            Interlocked.Decrement(ref _activeCommands);
        }
    }

    private sealed class FrameOutput(long id, Func<JsonObject, Task> send) : ICommandOutput
    {
        public ValueTask WriteLineAsync(string line) =>
            new(send(new JsonObject { ["type"] = "output", ["id"] = id, ["text"] = line }));
    }
}
