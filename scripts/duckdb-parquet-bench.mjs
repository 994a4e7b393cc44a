#!/usr/bin/env node
// DuckDB yardstick for the Parquet benchmarks (docs/benchmarks.md, "Parquet"): times DuckDB, on one thread,
// reading the given Parquet files (SELECT sum(x) FROM read_parquet(...)) and writing the same values with
// COPY ... (FORMAT parquet, COMPRESSION snappy|uncompressed). Prints one line per figure and, with --json FILE,
// writes them as JSON. Medians of --runs runs (default 7) after one warm-up run.
//
//   node scripts/duckdb-parquet-bench.mjs [--runs N] [--json out.json] uncompressed=FILE snappy=FILE ...
//
// Needs @duckdb/node-api: MARKETSIM_DUCKDB_NODE_MODULES="$(scripts/duckdb-setup.sh)".
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const modules = process.env.MARKETSIM_DUCKDB_NODE_MODULES;
if (!modules || !fs.existsSync(path.join(modules, '@duckdb/node-api'))) {
  console.error('duckdb-parquet-bench: MARKETSIM_DUCKDB_NODE_MODULES is unset or wrong; run export MARKETSIM_DUCKDB_NODE_MODULES="$(scripts/duckdb-setup.sh)"');
  process.exit(2);
}
const { DuckDBInstance } = createRequire(path.join(modules, 'x.js'))('@duckdb/node-api');

let runs = 7;
let jsonOut = null;
const files = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--json') jsonOut = args[++i];
  else {
    const eq = args[i].indexOf('=');
    if (eq < 0) { console.error(`duckdb-parquet-bench: expected CODEC=FILE, got ${args[i]}`); process.exit(2); }
    files.push({ codec: args[i].slice(0, eq).toUpperCase(), file: path.resolve(args[i].slice(eq + 1)) });
  }
}
if (files.length === 0) { console.error('duckdb-parquet-bench: no files'); process.exit(2); }

const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const q = s => `'${s.replace(/'/g, "''")}'`;

const instance = await DuckDBInstance.create(':memory:');
const c = await instance.connect();
await c.run('SET threads = 1');
const version = (await c.runAndReadAll('SELECT version() v')).getRowObjectsJson()[0].v;

async function time(sql) {
  const times = [];
  let rows = null;
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = await c.runAndReadAll(sql);
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    rows = r.getRowsJson();
    if (i > 0) times.push(t);
  }
  return { seconds: median(times), rows };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'duckdb-parquet-bench-'));
const results = { duckdb: version, threads: 1, runs, cases: [] };
try {
  for (const { codec, file } of files) {
    const n = Number((await c.runAndReadAll(`SELECT count(*)::BIGINT n FROM read_parquet(${q(file)})`)).getRowsJson()[0][0]);
    const read = await time(`SELECT sum(x) FROM read_parquet(${q(file)})`);
    // Write: the same values, from an in-memory table, to a file in a temporary folder.
    await c.run(`CREATE OR REPLACE TABLE t AS SELECT x FROM read_parquet(${q(file)})`);
    const out = path.join(tmp, `duckdb_${codec.toLowerCase()}.parquet`);
    const write = await time(`COPY t TO ${q(out)} (FORMAT parquet, COMPRESSION ${codec})`);
    const readOwn = await time(`SELECT sum(x) FROM read_parquet(${q(out)})`);
    const c1 = {
      codec, values: n, file,
      readMps: n / read.seconds / 1e6,
      writeMps: n / write.seconds / 1e6,
      readOwnFileMps: n / readOwn.seconds / 1e6,
      ownFileBytes: fs.statSync(out).size,
      fileBytes: fs.statSync(file).size,
    };
    results.cases.push(c1);
    console.log(`DuckDB ${version} threads=1 ${codec}: read ${c1.readMps.toFixed(0)} M values/s (the given file, ${c1.fileBytes} bytes), ` +
      `write ${c1.writeMps.toFixed(0)} M values/s (COPY, ${c1.ownFileBytes} bytes), read of its own file ${c1.readOwnFileMps.toFixed(0)} M values/s; medians of ${runs}`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 2));
