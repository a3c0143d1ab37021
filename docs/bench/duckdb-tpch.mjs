// Times the 22 TPC-H queries in recq and in DuckDB, interleaved, for
// docs/bench/tpch-duckdb.sh (which prepares everything and runs this). A
// benchmark tool, not part of recq: nothing in go test or CI runs it.
//
//   node duckdb-tpch.mjs --node-dir DIR --parquet DIR --runner PATH --data DIR
//                        --queries DIR [--runs 5] [--threads 2] [--only 3,9]
//
// --node-dir   the folder where `npm install @duckdb/node-api` was run
// --parquet    the eight tables as TABLE.parquet (exported by recq)
// --runner     the tpchrun binary (docs/bench/tpchrun), run with -serve
// --data       the directory of the .rec files, passed to the runner
// --queries    the directory of qNN.sql
//
// DuckDB runs in memory with --threads threads, recq with as many scan
// workers. Once DuckDB has loaded the tables, the runner starts: it evicts
// the .rec files from the page cache and reads each once sequentially (so
// the cache holds them in large folios), then serves queries; its engine
// keeps each file mapped from its first query on. Each table is loaded with
// CREATE TABLE t AS SELECT * FROM read_parquet(...), and its column types
// are printed so DECIMAL and DATE can be checked. For each query: one
// untimed run in each engine (their row counts must agree), then --runs
// timed rounds, each running the query once in recq and once in DuckDB,
// alternating which goes first. A DuckDB run is runAndReadAll (the whole
// result read); a recq run is timed inside the runner (Engine.Query plus
// reading every batch), so neither includes process start-up or the pipe.
// Prints a markdown table of medians and ratios and the geometric mean.

import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function parseArgs(argv) {
  const opts = { runs: 5, threads: 2, only: null };
  const need = ['node-dir', 'parquet', 'runner', 'data', 'queries'];
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`option ${argv[i]} needs a value`);
    opts[k] = v;
  }
  for (const k of need) {
    if (!opts[k]) throw new Error(`--${k} is required (see the comment at the top of duckdb-tpch.mjs)`);
  }
  opts.runs = Number(opts.runs);
  opts.threads = Number(opts.threads);
  if (!(opts.runs >= 1)) throw new Error(`--runs ${opts.runs}: must be at least 1`);
  opts.queries_list = opts.only
    ? String(opts.only).split(',').map(Number)
    : Array.from({ length: 22 }, (_, i) => i + 1);
  return opts;
}

const TABLES = ['nation', 'region', 'supplier', 'customer', 'part', 'partsupp', 'orders', 'lineitem'];

// Runner speaks tpchrun's -serve protocol: one query number per line in,
// one "ok Q NANOS ROWS" or "err Q MESSAGE" line out.
class Runner {
  constructor(path, data, queries, workers) {
    const args = ['-serve', '-warm', '-workers', String(workers), '-data', data, '-queries', queries];
    this.proc = spawn(path, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    this.proc.on('exit', (code) => {
      for (const w of this.waiting) w.reject(new Error(`tpchrun exited with code ${code}`));
      this.waiting = [];
    });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      const f = line.split(' ');
      if (f[0] === 'ok') w.resolve({ ms: Number(f[2]) / 1e6, rows: Number(f[3]) });
      else w.reject(new Error(`recq q${w.q}: ${line}`));
    });
  }
  run(q) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ q, resolve, reject });
      this.proc.stdin.write(`${q}\n`);
    });
  }
  close() { this.proc.stdin.end(); }
}

async function duckRun(conn, text) {
  const start = process.hrtime.bigint();
  const reader = await conn.runAndReadAll(text);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, rows: reader.currentRowCount };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const require = createRequire(join(opts['node-dir'], 'package.json'));
  const { DuckDBInstance } = require('@duckdb/node-api');

  const inst = await DuckDBInstance.create(':memory:', { threads: String(opts.threads) });
  const conn = await inst.connect();
  const version = (await conn.runAndReadAll('SELECT version()')).getRows()[0][0];
  console.log(`DuckDB ${version}, threads=${opts.threads}`);
  let loadStart = process.hrtime.bigint();
  for (const t of TABLES) {
    const path = join(opts.parquet, `${t}.parquet`).replaceAll("'", "''");
    await conn.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet('${path}')`);
    const types = (await conn.runAndReadAll(`DESCRIBE ${t}`)).getRows().map((r) => `${r[0]} ${r[1]}`);
    console.log(`loaded ${t}: ${types.join(', ')}`);
  }
  console.log(`DuckDB load: ${(Number(process.hrtime.bigint() - loadStart) / 1e9).toFixed(1)} s`);

  const runner = new Runner(opts.runner, opts.data, opts.queries, opts.threads);
  const results = [];
  try {
    for (const q of opts.queries_list) {
      const name = `q${String(q).padStart(2, '0')}`;
      const text = readFileSync(join(opts.queries, `${name}.sql`), 'utf8');
      const r0 = await runner.run(q);
      const d0 = await duckRun(conn, text);
      if (r0.rows !== d0.rows) {
        console.log(`WARNING ${name}: recq returned ${r0.rows} rows, DuckDB ${d0.rows}`);
      }
      const rt = [], dt = [];
      for (let i = 0; i < opts.runs; i++) {
        if (i % 2 === 0) {
          rt.push((await runner.run(q)).ms);
          dt.push((await duckRun(conn, text)).ms);
        } else {
          dt.push((await duckRun(conn, text)).ms);
          rt.push((await runner.run(q)).ms);
        }
      }
      const row = { name, recq: median(rt), duck: median(dt), rows: r0.rows, rt, dt };
      row.ratio = row.recq / row.duck;
      results.push(row);
      console.log(`${name}: recq ${row.recq.toFixed(1)} ms [${rt.map((x) => x.toFixed(0)).join(' ')}], ` +
        `DuckDB ${row.duck.toFixed(1)} ms [${dt.map((x) => x.toFixed(0)).join(' ')}], ratio ${row.ratio.toFixed(2)}`);
    }
  } finally {
    runner.close();
  }

  const geo = Math.exp(results.reduce((s, r) => s + Math.log(r.ratio), 0) / results.length);
  console.log('\n| query | rows | recq median (ms) | DuckDB median (ms) | recq / DuckDB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name.toUpperCase()} | ${r.rows} | ${r.recq.toFixed(1)} | ${r.duck.toFixed(1)} | ${r.ratio.toFixed(2)} |`);
  }
  const sum = (k) => results.reduce((s, r) => s + r[k], 0);
  console.log(`| total | | ${sum('recq').toFixed(0)} | ${sum('duck').toFixed(0)} | ${(sum('recq') / sum('duck')).toFixed(2)} |`);
  console.log(`\ngeometric mean of recq / DuckDB over ${results.length} queries: ${geo.toFixed(2)}`);
}

main().catch((err) => {
  console.error(`duckdb-tpch: ${err.message}`);
  process.exit(1);
});
