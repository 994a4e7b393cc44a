using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace MarketSim.Pbm;

/// <summary>The result of one command: ok, or the node's error message; <see cref="Cancelled"/> when the client cancelled it.</summary>
public sealed record PbmCommandResult(bool Ok, string? Error, bool Cancelled);

/// <summary>
/// The client half of pbm: connects to a <see cref="PbmHost"/>, downloads its palettes and runs commands,
/// receiving output lines as they are produced until the end frame.
/// </summary>
public sealed class PbmClient : IAsyncDisposable
{
    private const int MaxFrameSize = 16 << 20;
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(10);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _nextId;

    private PbmClient(TcpClient tcp, string address)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Address = address;
    }

    /// <summary><c>HOST:PORT</c> as given.</summary>
    public string Address { get; }

    /// <summary>The palettes the host registered (downloaded on connect).</summary>
    public IReadOnlyList<PaletteInfo> Palettes { get; private set; } = [];

    /// <summary>Connects and downloads the palettes. Throws <see cref="SocketException"/>, <see cref="IOException"/> or <see cref="PbmProtocolException"/>.</summary>
    public static async Task<PbmClient> ConnectAsync(string host, int port, CancellationToken ct = default)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, ct).ConfigureAwait(false);
            var client = new PbmClient(tcp, $"{host}:{port}");
            await client.SendAsync(new JsonObject { ["type"] = "hello", ["version"] = PbmProtocol.Version }, ct).ConfigureAwait(false);
            var frame = await PbmProtocol.ReadFrameAsync(client._stream, MaxFrameSize, ct).ConfigureAwait(false)
                ?? throw new IOException("the host closed the connection during the handshake");
            if (PbmProtocol.TypeOf(frame) != "palettes")
            {
                throw new PbmProtocolException($"expected a palettes frame but got '{PbmProtocol.TypeOf(frame)}'" + (PbmProtocol.StringOf(frame, "text") is { } t ? ": " + t : ""));
            }

            client.Palettes = PbmProtocol.PalettesFromJson(frame);
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="commandText"/> (<c>help</c> is rendered locally from <see cref="Palettes"/>).
    /// Each output line goes to <paramref name="onLine"/> as it arrives. Cancelling <paramref name="ct"/> asks
    /// the host to stop the command (Ctrl+C); the call then returns once the host sent its end frame.
    /// </summary>
    public async Task<PbmCommandResult> ExecuteAsync(string commandText, Action<string> onLine, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(commandText);
        ArgumentNullException.ThrowIfNull(onLine);
        if (commandText.Trim() == "help")
        {
            foreach (var line in HelpFormatter.Render(Palettes))
            {
                onLine(line);
            }

            return new PbmCommandResult(true, null, false);
        }

        var id = Interlocked.Increment(ref _nextId);
        await SendAsync(new JsonObject { ["type"] = "command", ["id"] = id, ["text"] = commandText }, CancellationToken.None).ConfigureAwait(false);
        using var abort = new CancellationTokenSource();
        await using var registration = ct.Register(() =>
        {
            abort.CancelAfter(CancelGrace);
            _ = SendCancelAsync(id);
        }).ConfigureAwait(false);
        while (true)
        {
            var frame = await PbmProtocol.ReadFrameAsync(_stream, MaxFrameSize, abort.Token).ConfigureAwait(false)
                ?? throw new IOException("the host closed the connection");
            switch (PbmProtocol.TypeOf(frame))
            {
                case "output" when PbmProtocol.IdOf(frame) == id:
                    onLine(PbmProtocol.StringOf(frame, "text") ?? "");
                    break;
                case "end" when PbmProtocol.IdOf(frame) == id:
                    var ok = frame["ok"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
                    var cancelled = frame["cancelled"] is JsonValue c && c.TryGetValue<bool>(out var cb) && cb;
                    return new PbmCommandResult(ok, PbmProtocol.StringOf(frame, "error"), cancelled);
                case "error":
                    throw new PbmProtocolException(PbmProtocol.StringOf(frame, "text") ?? "the host reported a protocol error");
                default:
                    break; // frames of an earlier, cancelled command
            }
        }
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
        _writeLock.Dispose();
    }

    private async Task SendCancelAsync(long id)
    {
        try
        {
            await SendAsync(new JsonObject { ["type"] = "cancel", ["id"] = id }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // the connection is gone; the read loop reports it
        }
    }

    private async Task SendAsync(JsonObject frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await PbmProtocol.WriteFrameAsync(_stream, frame, ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
