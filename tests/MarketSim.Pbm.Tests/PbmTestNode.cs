using System.Text;
using Akka.Actor;
using Akka.Event;
using MarketSim.Hocon;

namespace MarketSim.Pbm.Tests;

/// <summary>An actor system with a pbm host on 127.0.0.1 and an OS-chosen port.</summary>
internal sealed class PbmTestNode : IAsyncDisposable
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private PbmTestNode(ActorSystem system, PbmHost host)
    {
        System = system;
        Host = host;
    }

    public ActorSystem System { get; }

    public PbmHost Host { get; }

    public string Address => $"127.0.0.1:{Host.BoundEndpoint.Port}";

    public static PbmTestNode Start(string extraHocon = "")
    {
        var config = ConfigFactory.ParseString(extraHocon + "\nakka.stdout-loglevel = OFF\npetabridge.cmd { host = 127.0.0.1, port = 0 }");
        var system = ActorSystem.Create("pbmspec", "akka = " + config.GetConfig("akka").ToJson(indented: false) + "\nakka.loggers = []");
        var host = new PbmHost(system, config).Start();
        return new PbmTestNode(system, host);
    }

    /// <summary>Runs <c>pbm ADDRESS args...</c> one-shot (or interactive with <paramref name="stdin"/>).</summary>
    public async Task<(int Code, string Out, string Err)> PbmAsync(string[] args, string? stdin = null, CancellationToken interrupt = default)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await PbmProgram.RunAsync([Address, .. args], stdout, stderr, new StringReader(stdin ?? ""), interrupt).WaitAsync(Guard);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public Task<(int Code, string Out, string Err)> PbmAsync(params string[] args) => PbmAsync(args, null);

    public async Task<PbmClient> ConnectAsync() =>
        await PbmClient.ConnectAsync("127.0.0.1", Host.BoundEndpoint.Port).WaitAsync(Guard);

    public async Task<List<string>> RunAsync(PbmClient client, string command)
    {
        var lines = new List<string>();
        var result = await client.ExecuteAsync(command, lines.Add).WaitAsync(Guard);
        Assert.True(result.Ok, result.Error);
        return lines;
    }

    /// <summary>Retries until <paramref name="condition"/> holds; the guard only bounds a failing test.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!await condition())
        {
            if (guard.IsCancellationRequested)
            {
                Assert.Fail("gave up waiting: " + what);
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await System.Terminate().WaitAsync(Guard);
    }
}

/// <summary>Logs every string it receives: "warn:x" at WARNING, "debug:x" at DEBUG, anything else at INFO.</summary>
internal sealed class Talker : ReceiveActor
{
    public Talker()
    {
        var log = Context.GetLogger();
        Receive<string>(s =>
        {
            if (s.StartsWith("warn:", StringComparison.Ordinal))
            {
                log.Warning(s);
            }
            else if (s.StartsWith("debug:", StringComparison.Ordinal))
            {
                log.Debug(s);
            }
            else
            {
                log.Info(s);
            }
        });
    }
}

internal sealed class Idle : ReceiveActor
{
    public Idle() => ReceiveAny(_ => { });
}

internal sealed class Parent : ReceiveActor
{
    public Parent(int depth)
    {
        ReceiveAny(_ => { });
        if (depth > 0)
        {
            Context.ActorOf(Props.Create(() => new Parent(depth - 1)), "child");
        }
    }
}

/// <summary>A writer that calls back on every written line (to react to streamed output).</summary>
internal sealed class LineWriter(Action<string> onLine) : TextWriter
{
    private readonly StringBuilder _all = new();
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_all)
        {
            _all.Append(value);
            if (value == '\n')
            {
                var l = _line.ToString().TrimEnd('\r');
                _line.Clear();
                onLine(l);
            }
            else
            {
                _line.Append(value);
            }
        }
    }

    public override string ToString()
    {
        lock (_all)
        {
            return _all.ToString();
        }
    }
}
