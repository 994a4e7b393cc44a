// A real language-model server for the LLM miner specs: node-llama-cpp (llama.cpp, CPU) running a
// tiny random-weight GGUF model behind an OpenAI-compatible, non-streaming chat-completions
// endpoint on loopback. Its answers are gibberish: that is the point (timeouts, retries,
// concurrency, caching and the unparseable-answer path are exercised against a real runtime).
//
//   node scripts/llm-server.mjs [--port 0] [--model FILE] [--contexts 4] [--context-size 4096]
//                               [--api-key KEY] [--exit-with-stdin]
//
// --model: a GGUF file; when it does not exist, a tiny random model is generated there
//          (scripts/llm-gguf.mjs). Default: a generated model in the OS temp folder.
// --api-key: when given (or MARKETSIM_LLM_SERVER_KEY is set), requests must carry
//          "Authorization: Bearer KEY"; a wrong key gets 401 and (deliberately, like some real
//          servers) the body echoes the key it got, so the client's redaction is tested.
// node-llama-cpp is loaded from $MARKETSIM_LLM_NODE_MODULES (scripts/llm-setup.sh prints it).
// When ready it prints one JSON line on stdout: {"ready":true,"port":N,"model":"...",...}.
//
// Endpoints: POST /v1/chat/completions, GET /v1/models, GET /health,
// test controls: GET /admin/stats, POST /admin/reset, POST /admin/faults
//   {"failNext": N, "failStatus": 500|429|..., "delayMs": D, "retryAfter": S}
//   (the next N completions fail with failStatus; every completion waits delayMs first).
import http from 'node:http';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeGguf } from './llm-gguf.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] === undefined || all[i + 1].startsWith('--') ? true : all[i + 1]]);
  return acc;
}, []));
const port = Number(args.port ?? 0);
const contexts = Number(args.contexts ?? 4);
const contextSize = Number(args['context-size'] ?? 4096);
const apiKey = args['api-key'] ?? process.env.MARKETSIM_LLM_SERVER_KEY ?? null;
const modelPath = args.model ?? join(os.tmpdir(), 'marketsim-tiny-random-v1.gguf');
const modules = process.env.MARKETSIM_LLM_NODE_MODULES ?? join(here, '..', '.tools', 'llm', 'node_modules');
const entry = join(modules, 'node-llama-cpp', 'dist', 'index.js');
if (!existsSync(entry)) {
  console.error(`node-llama-cpp not found at ${entry}: run ./test.sh or scripts/llm-setup.sh`);
  process.exit(3);
}
const { getLlama, LlamaCompletion } = await import(pathToFileURL(entry).href);

const t0 = performance.now();
let generated = false;
if (!existsSync(modelPath)) { writeGguf(modelPath, { seed: 42 }); generated = true; }
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath });
const modelName = 'marketsim-tiny-random';

// a pool of contexts, one sequence each: up to `contexts` generations run at once
const pool = [];
for (let i = 0; i < contexts; i++) {
  const ctx = await model.createContext({ contextSize, threads: 1 });
  pool.push(ctx.getSequence());
}
const waiters = [];
const acquire = () => pool.length ? Promise.resolve(pool.pop()) : new Promise(r => waiters.push(r));
const release = (seq) => { const w = waiters.shift(); if (w) w(seq); else pool.push(seq); };

const fresh = () => ({ requests: 0, completions: 0, injectedFailures: 0, unauthorized: 0, badRequests: 0,
  cancelled: 0, inFlight: 0, maxInFlight: 0, promptTokens: 0, completionTokens: 0, generationMs: 0 });
let stats = fresh();
let faults = { failNext: 0, failStatus: 500, delayMs: 0, retryAfter: null };

const send = (res, status, body, headers = {}) => {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};
const readBody = (req) => new Promise((resolve, reject) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  req.on('error', reject);
});
const sleep = (ms, signal) => new Promise(r => {
  const t = setTimeout(r, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
});
const errorBody = (message, type, code = null) => ({ error: { message, type, param: null, code } });

// The chat template: plain "role: content" turns, then "assistant:". The model is random, so a
// finer template would change nothing but the token count.
const renderPrompt = (messages) =>
  messages.map(m => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`).join('\n') + '\nassistant:';

async function chatCompletions(req, res) {
  stats.requests++;
  if (apiKey !== null) {
    const auth = req.headers['authorization'] ?? '';
    if (auth !== `Bearer ${apiKey}`) {
      stats.unauthorized++;
      return send(res, 401, errorBody(`Incorrect API key provided: ${auth.replace(/^Bearer /, '')}`, 'invalid_request_error', 'invalid_api_key'));
    }
  }
  let body;
  try { body = JSON.parse(await readBody(req)); } catch { stats.badRequests++; return send(res, 400, errorBody('body is not JSON', 'invalid_request_error')); }
  if (!Array.isArray(body.messages) || body.messages.length === 0) { stats.badRequests++; return send(res, 400, errorBody('messages is required', 'invalid_request_error')); }
  if (body.stream) { stats.badRequests++; return send(res, 400, errorBody('streaming is not supported here', 'invalid_request_error')); }

  const abort = new AbortController();
  res.on('close', () => { if (!res.writableEnded) { abort.abort(); stats.cancelled++; } });
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  try {
    if (faults.delayMs > 0) await sleep(faults.delayMs, abort.signal);
    if (abort.signal.aborted) return;
    if (faults.failNext > 0) {
      faults.failNext--; stats.injectedFailures++;
      const headers = faults.retryAfter != null ? { 'retry-after': String(faults.retryAfter) } : {};
      return send(res, faults.failStatus, errorBody(`injected failure (${faults.failStatus})`, 'server_error'), headers);
    }
    const prompt = renderPrompt(body.messages);
    const promptTokens = model.tokenize(prompt).length + 1;
    const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens ?? 256);
    if (promptTokens + maxTokens > contextSize) {
      stats.badRequests++;
      return send(res, 400, errorBody(`prompt (${promptTokens} tokens) + max_tokens (${maxTokens}) exceeds the context (${contextSize})`, 'invalid_request_error', 'context_length_exceeded'));
    }
    const seq = await acquire();
    const g0 = performance.now();
    let result, completionTokens = 0;
    try {
      await seq.clearHistory();
      const completion = new LlamaCompletion({ contextSequence: seq });
      result = await completion.generateCompletionWithMeta(prompt, {
        maxTokens,
        temperature: Number(body.temperature ?? 1),
        topP: body.top_p != null ? Number(body.top_p) : undefined,
        seed: body.seed != null ? Number(body.seed) : undefined,
        signal: abort.signal,
        stopOnAbortSignal: true,
        onToken: (tokens) => { completionTokens += tokens.length; },
      });
      completion.dispose({ disposeSequence: false });
    } finally {
      release(seq);
    }
    stats.generationMs += performance.now() - g0;
    if (abort.signal.aborted) return;
    stats.completions++; stats.promptTokens += promptTokens; stats.completionTokens += completionTokens;
    send(res, 200, {
      id: `chatcmpl-${stats.requests}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? modelName,
      choices: [{ index: 0, message: { role: 'assistant', content: result.response },
        finish_reason: result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  } catch (e) {
    send(res, 500, errorBody(`generation failed: ${e?.message ?? e}`, 'server_error'));
  } finally {
    stats.inFlight--;
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/v1/chat/completions') return await chatCompletions(req, res);
    if (req.method === 'GET' && url.pathname === '/v1/models')
      return send(res, 200, { object: 'list', data: [{ id: modelName, object: 'model', owned_by: 'marketsim' }] });
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/admin/stats') return send(res, 200, { ...stats, faults });
    if (req.method === 'POST' && url.pathname === '/admin/reset') {
      stats = fresh(); faults = { failNext: 0, failStatus: 500, delayMs: 0, retryAfter: null };
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/admin/faults') {
      faults = { ...faults, ...JSON.parse(await readBody(req)) };
      return send(res, 200, faults);
    }
    send(res, 404, errorBody(`no route ${req.method} ${url.pathname}`, 'invalid_request_error'));
  } catch (e) {
    send(res, 500, errorBody(String(e?.message ?? e), 'server_error'));
  }
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: server.address().port, model: modelPath, generated,
    modelBytes: model.size, contexts, contextSize,
    startupMs: Math.round(performance.now() - t0) }));
});
const stop = async () => { server.close(); await model.dispose(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// --exit-with-stdin: the parent (a test fixture) holds our stdin open and it closes when the
// parent goes away, even if it crashes: do not outlive it
if (args['exit-with-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
