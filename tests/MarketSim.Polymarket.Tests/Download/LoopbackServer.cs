using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MarketSim.Polymarket.Tests.Download;

/// <summary>A request the loopback server received: path and decoded query.</summary>
internal sealed record ServedRequest(string Path, IReadOnlyDictionary<string, string> Query, string Target)
{
    public string? this[string key] => Query.TryGetValue(key, out var v) ? v : null;

    public long Long(string key) => long.Parse(Query[key], CultureInfo.InvariantCulture);
}

/// <summary>An answer of the loopback server.</summary>
internal sealed record ServedResponse(int Status, string Body, string? RetryAfter = null, TimeSpan? Delay = null)
{
    public static ServedResponse Json(string body) => new(200, body);
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (raw <see cref="TcpListener"/>, one request per connection,
/// Connection: close) that answers with a handler; nothing leaves the machine.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<ServedRequest, ServedResponse> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackServer(Func<ServedRequest, ServedResponse> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUrl = "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        _loop = Task.Run(AcceptLoop);
    }

    public string BaseUrl { get; }

    public ConcurrentQueue<ServedRequest> Requests { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                var requestLine = head.ToString().Split("\r\n")[0].Split(' ');
                var target = requestLine[1];
                var q = target.IndexOf('?', StringComparison.Ordinal);
                var path = q < 0 ? target : target[..q];
                var query = new Dictionary<string, string>(StringComparer.Ordinal);
                if (q >= 0)
                {
                    foreach (var pair in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var eq = pair.IndexOf('=', StringComparison.Ordinal);
                        var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                        query[key] = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
                    }
                }

                var request = new ServedRequest(path, query, target);
                Requests.Enqueue(request);
                ServedResponse response;
                try
                {
                    response = _handler(request);
                }
                catch (Exception e)
                {
                    response = new ServedResponse(500, "{\"error\":\"handler: " + e.GetType().Name + "\"}");
                }

                if (response.Delay is { } delay)
                {
                    await Task.Delay(delay, _stop.Token);
                }

                var body = Encoding.UTF8.GetBytes(response.Body);
                var headers = new StringBuilder();
                headers.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
                headers.Append("Content-Type: application/json\r\n");
                headers.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
                if (response.RetryAfter is { } ra)
                {
                    headers.Append("Retry-After: ").Append(ra).Append("\r\n");
                }

                headers.Append("Connection: close\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(headers.ToString()), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
