using System.Globalization;
using System.Net.Sockets;

namespace MarketSim.Pbm;

/// <summary>
/// The <c>pbm</c> command line: <c>pbm [HOST:PORT] [COMMAND ...]</c>. With a command it runs it and exits
/// (0 ok, 1 the command failed on the node, 2 usage or connection error); without one it opens the
/// interactive prompt <c>[HOST:PORT] pbm&gt; </c> (<c>exit</c> or <c>quit</c> leaves).
/// </summary>
public static class PbmProgram
{
    /// <summary>HOST:PORT used when none is given.</summary>
    public const string DefaultAddress = "127.0.0.1:9110";

    /// <summary>Console entry point: Ctrl+C stops the running command (streaming ones end cleanly) instead of killing pbm.</summary>
    public static int Main(string[] args)
    {
        var interrupter = new Interrupter();
        Console.CancelKeyPress += (_, e) => e.Cancel = interrupter.Interrupt();
        return RunAsync(args, Console.Out, Console.Error, Console.In, interrupter.Current).GetAwaiter().GetResult();
    }

    /// <summary>Runs with the given writers; the interactive prompt reads <see cref="Console.In"/>.</summary>
    public static int Main(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, stdout, stderr, Console.In, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Runs with the given streams; cancelling <paramref name="interrupt"/> acts as Ctrl+C on the running command.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin, CancellationToken interrupt) =>
        RunAsync(args, stdout, stderr, stdin, () => interrupt);

    private static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin, Func<CancellationToken> interrupt)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is ["--help" or "-h"])
        {
            stdout.WriteLine("Usage: pbm [HOST:PORT] [COMMAND [ARGS...]]   (default " + DefaultAddress + "; no command: interactive prompt; 'help' lists the node's commands)");
            return 0;
        }

        var address = DefaultAddress;
        var rest = args;
        if (args.Length > 0 && args[0].Contains(':', StringComparison.Ordinal))
        {
            address = args[0];
            rest = args[1..];
        }

        if (!TryParseAddress(address, out var host, out var port))
        {
            stderr.WriteLine($"pbm: invalid address '{address}' (expected HOST:PORT, e.g. {DefaultAddress})");
            return 2;
        }

        PbmClient client;
        try
        {
            using var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            client = await PbmClient.ConnectAsync(host, port, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or PbmProtocolException or OperationCanceledException)
        {
            stderr.WriteLine($"pbm: cannot connect to {address}: {Reason(ex)}");
            return 2;
        }

        await using (client.ConfigureAwait(false))
        {
            try
            {
                if (rest.Length > 0)
                {
                    var result = await client.ExecuteAsync(string.Join(' ', rest.Select(CommandParser.Quote)), stdout.WriteLine, interrupt()).ConfigureAwait(false);
                    if (!result.Ok)
                    {
                        stderr.WriteLine("pbm: " + result.Error);
                        return 1;
                    }

                    return 0;
                }

                var prompt = $"[{address}] pbm> ";
                stdout.WriteLine($"Connected to {address}. Type help for the commands, exit or quit to leave.");
                while (true)
                {
                    stdout.Write(prompt);
                    stdout.Flush();
                    var line = await stdin.ReadLineAsync().ConfigureAwait(false);
                    if (line is null)
                    {
                        stdout.WriteLine();
                        return 0;
                    }

                    var text = line.Trim();
                    if (text is "exit" or "quit")
                    {
                        return 0;
                    }

                    if (text.Length == 0)
                    {
                        continue;
                    }

                    var result = await client.ExecuteAsync(text, stdout.WriteLine, interrupt()).ConfigureAwait(false);
                    if (!result.Ok)
                    {
                        stderr.WriteLine("pbm: " + result.Error);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or PbmProtocolException or OperationCanceledException or ObjectDisposedException)
            {
                stderr.WriteLine($"pbm: connection to {address} lost: {Reason(ex)}");
                return 2;
            }
        }
    }

    /// <summary><c>HOST:PORT</c> or <c>[IPv6]:PORT</c>.</summary>
    public static bool TryParseAddress(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return host.Length > 0;
    }

    private static string Reason(Exception ex) => ex switch
    {
        SocketException s => s.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused (is a pbm host listening there? see petabridge.cmd.port)",
            _ => s.Message,
        },
        OperationCanceledException => "timed out",
        _ => ex.Message,
    };

    /// <summary>Ctrl+C: cancels the current command's token and arms a fresh one for the next command.</summary>
    private sealed class Interrupter
    {
        private readonly Lock _lock = new();
        private CancellationTokenSource _cts = new();

        public CancellationToken Current()
        {
            lock (_lock)
            {
                if (_cts.IsCancellationRequested)
                {
                    _cts.Dispose();
                    _cts = new CancellationTokenSource();
                }

                return _cts.Token;
            }
        }

        /// <summary>True (keep the process) when a command was stopped.</summary>
        public bool Interrupt()
        {
            lock (_lock)
            {
                _cts.Cancel();
                return true;
            }
        }
    }
}
