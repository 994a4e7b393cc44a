// Writes a tiny random-weight GGUF model (GGUF v3, llama architecture, F32 tensors) that
// llama.cpp (node-llama-cpp) loads and runs. Written from the public GGUF format description:
// header (magic "GGUF", version, tensor count, metadata count), metadata key/values, tensor infos,
// then the tensor data, aligned. The weights are seeded random numbers, so its answers are
// gibberish, but every byte of it is produced by a real transformer forward pass.
//
//   node scripts/llm-gguf.mjs OUT.gguf [--seed N] [--embd 64] [--layers 2] [--ff 128] [--heads 4]
//
// The vocabulary is SentencePiece-style ("llama" tokenizer): <unk>, <s>, </s>, the 256 byte
// fallback tokens <0x00>..<0xFF>, and the printable ASCII characters (space as U+2581) plus a few
// common lowercase words, so that any text tokenises and most sampled tokens are readable.
import { writeFileSync, renameSync } from 'node:fs';

const T = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STR: 8, ARR: 9, U64: 10, I64: 11, F64: 12 };
const ALIGN = 32;

class Buf {
  constructor() { this.parts = []; this.length = 0; }
  push(b) { this.parts.push(b); this.length += b.length; }
  u32(v) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  i32(v) { const b = Buffer.alloc(4); b.writeInt32LE(v); this.push(b); }
  u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  f32(v) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  str(s) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
  concat() { return Buffer.concat(this.parts, this.length); }
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildVocab() {
  const tokens = [], types = [], scores = [];
  const add = (t, type, score) => { tokens.push(t); types.push(type); scores.push(score); };
  add('<unk>', 2, 0); add('<s>', 3, 0); add('</s>', 3, 0);            // 2 unknown, 3 control
  for (let i = 0; i < 256; i++) add(`<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`, 6, 0); // 6 byte
  add('\u2581', 1, -1);
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), 1, -2);
  const words = ['the', 'market', 'will', 'probability', 'yes', 'no', 'event', 'resolve', 'question', 'price'];
  for (const w of words) add('\u2581' + w, 1, -0.5);
  return { tokens, types, scores };
}

export function buildGguf({ seed = 42, embd = 64, layers = 2, ff = 128, heads = 4, headsKv = heads, ctx = 4096 } = {}) {
  const rnd = mulberry32(seed);
  const gauss = () => { const u = Math.max(rnd(), 1e-12), v = rnd(); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v); };
  const vocab = buildVocab();
  const nVocab = vocab.tokens.length;
  const headDim = embd / heads;
  const kvDim = headDim * headsKv;

  const kv = [];
  const meta = (key, type, value, elemType) => kv.push({ key, type, value, elemType });
  meta('general.architecture', T.STR, 'llama');
  meta('general.name', T.STR, 'marketsim-tiny-random');
  meta('general.alignment', T.U32, ALIGN);
  meta('llama.context_length', T.U32, ctx);
  meta('llama.embedding_length', T.U32, embd);
  meta('llama.block_count', T.U32, layers);
  meta('llama.feed_forward_length', T.U32, ff);
  meta('llama.attention.head_count', T.U32, heads);
  meta('llama.attention.head_count_kv', T.U32, headsKv);
  meta('llama.rope.dimension_count', T.U32, headDim);
  meta('llama.rope.freq_base', T.F32, 10000);
  meta('llama.attention.layer_norm_rms_epsilon', T.F32, 1e-5);
  meta('llama.vocab_size', T.U32, nVocab);
  meta('tokenizer.ggml.model', T.STR, 'llama');
  meta('tokenizer.ggml.tokens', T.ARR, vocab.tokens, T.STR);
  meta('tokenizer.ggml.scores', T.ARR, vocab.scores, T.F32);
  meta('tokenizer.ggml.token_type', T.ARR, vocab.types, T.I32);
  meta('tokenizer.ggml.unknown_token_id', T.U32, 0);
  meta('tokenizer.ggml.bos_token_id', T.U32, 1);
  meta('tokenizer.ggml.eos_token_id', T.U32, 2);
  meta('tokenizer.ggml.add_bos_token', T.BOOL, true);
  meta('tokenizer.ggml.add_eos_token', T.BOOL, false);

  // tensors: dims in GGML order (ne0 first = the row length)
  const tensors = [];
  const tensor = (name, dims, init) => tensors.push({ name, dims, init });
  const rand = (scale) => () => gauss() * scale;
  const ones = () => 1;
  tensor('token_embd.weight', [embd, nVocab], rand(1));
  for (let l = 0; l < layers; l++) {
    tensor(`blk.${l}.attn_norm.weight`, [embd], ones);
    tensor(`blk.${l}.attn_q.weight`, [embd, embd], rand(1 / Math.sqrt(embd)));
    tensor(`blk.${l}.attn_k.weight`, [embd, kvDim], rand(1 / Math.sqrt(embd)));
    tensor(`blk.${l}.attn_v.weight`, [embd, kvDim], rand(1 / Math.sqrt(embd)));
    tensor(`blk.${l}.attn_output.weight`, [embd, embd], rand(1 / Math.sqrt(embd)));
    tensor(`blk.${l}.ffn_norm.weight`, [embd], ones);
    tensor(`blk.${l}.ffn_gate.weight`, [embd, ff], rand(1 / Math.sqrt(embd)));
    tensor(`blk.${l}.ffn_up.weight`, [embd, ff], rand(1 / Math.sqrt(embd)));
    tensor(`blk.${l}.ffn_down.weight`, [ff, embd], rand(1 / Math.sqrt(ff)));
  }
  tensor('output_norm.weight', [embd], ones);
  tensor('output.weight', [embd, nVocab], rand(2 / Math.sqrt(embd)));

  const h = new Buf();
  h.push(Buffer.from('GGUF', 'ascii'));
  h.u32(3);
  h.u64(tensors.length);
  h.u64(kv.length);
  const writeValue = (type, v) => {
    switch (type) {
      case T.STR: h.str(v); break;
      case T.U32: h.u32(v); break;
      case T.I32: h.i32(v); break;
      case T.F32: h.f32(v); break;
      case T.BOOL: h.push(Buffer.from([v ? 1 : 0])); break;
      default: throw new Error(`unsupported type ${type}`);
    }
  };
  for (const { key, type, value, elemType } of kv) {
    h.str(key); h.u32(type);
    if (type === T.ARR) { h.u32(elemType); h.u64(value.length); for (const e of value) writeValue(elemType, e); }
    else writeValue(type, value);
  }
  let offset = 0;
  const datas = [];
  for (const t of tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) data.writeFloatLE(t.init(), i * 4);
    h.str(t.name); h.u32(t.dims.length); for (const d of t.dims) h.u64(d);
    h.u32(0); // GGML_TYPE_F32
    h.u64(offset);
    datas.push({ offset, data });
    offset += Math.ceil(data.length / ALIGN) * ALIGN;
  }
  const header = h.concat();
  const dataStart = Math.ceil(header.length / ALIGN) * ALIGN;
  const out = Buffer.alloc(dataStart + offset);
  header.copy(out, 0);
  for (const { offset: o, data } of datas) data.copy(out, dataStart + o);
  return out;
}

export function writeGguf(path, opts) {
  const bytes = buildGguf(opts);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path); // atomic: concurrent test processes never see a half-written model
  return bytes.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const out = args[0];
  if (!out) { console.error('usage: node scripts/llm-gguf.mjs OUT.gguf [--seed N] [--embd N] [--layers N] [--ff N] [--heads N]'); process.exit(2); }
  const opts = {};
  for (let i = 1; i < args.length; i += 2) opts[args[i].replace(/^--/, '')] = Number(args[i + 1]);
  const n = writeGguf(out, opts);
  console.log(JSON.stringify({ path: out, bytes: n }));
}
