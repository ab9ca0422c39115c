// The Drizzle ORM peer of bench/load: the same seven requests on the same database, run by
// Drizzle in this Node process (in-process, as an application would), or sent to this script
// running as a small HTTP server in front of Drizzle (the way Drizzle's own benchmark deploys
// it). Prints the same JSON lines as bench/load.
//
//   load.cjs --url URL --sizes JSON --kinds K,... --concurrency N --seconds S      (in-process)
//   load.cjs --serve --url URL --sizes JSON --pool N                             (HTTP server;
//            prints `listening PORT`)
//   load.cjs --http http://127.0.0.1:PORT --sizes JSON --kinds ... --concurrency N --seconds S
//            [--pid SERVER_PID]                                                   (HTTP client)
//   load.cjs --check (--url URL | --http URL)   (the rows each read returns for fixed parameters)
'use strict';
const fs = require('fs');
const http = require('http');
const { open, params } = require('./northwind.cjs');

function flags(argv) {
  const out = {};
  for (let i = 0; i < argv.length; ++i) {
    const name = argv[i].replace(/^--/, '');
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[name] = argv[++i];
    else out[name] = true;
  }
  return out;
}

// A small deterministic generator per worker: 1..n.
function picker(seed) {
  let x = BigInt(seed) * 7919n + 1n;
  return (n) => {
    x ^= x << 13n; x &= (1n << 64n) - 1n;
    x ^= x >> 7n;
    x ^= x << 17n; x &= (1n << 64n) - 1n;
    return 1 + Number(x % BigInt(n));
  };
}

// utime + stime of `pid`, in seconds (-1 when unknown).
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // clock ticks (USER_HZ 100 on Linux)
  } catch (e) {
    return -1;
  }
}

function peakRssKb(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/);
    return m ? Number(m[1]) : -1;
  } catch (e) {
    return -1;
  }
}

function percentile(values, p) {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(p * values.length))];
}

// `concurrency` calls in flight for `seconds`, each worker sending the next as the last ends;
// `send(kind, pick)` returns a promise.
async function drive(kinds, concurrency, seconds, send, serverPid) {
  const latency = {}, errors = {};
  for (const k of kinds) { latency[k] = []; errors[k] = 0; }
  const cpuBefore = process.cpuUsage();
  const serverBefore = serverPid ? cpuSeconds(serverPid) : 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let shown = 0;
  const worker = async (w) => {
    const pick = picker(w);
    while (process.hrtime.bigint() < end) {
      const kind = kinds[pick(kinds.length) - 1];
      const sent = process.hrtime.bigint();
      try {
        await send(kind, pick);
        latency[kind].push(Number(process.hrtime.bigint() - sent) / 1e6);
      } catch (e) {
        ++errors[kind];
        if (shown++ < 3) console.error(`drizzle load: ${kind}: ${e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  let total = 0, failed = 0;
  for (const k of kinds) {
    const v = latency[k];
    total += v.length;
    failed += errors[k];
    console.log(JSON.stringify({ kind: k, calls: v.length, errors: errors[k], per_second: v.length / elapsed,
                                 p50_ms: percentile(v, 0.5), p95_ms: percentile(v, 0.95), p99_ms: percentile(v, 0.99) }));
  }
  console.log(JSON.stringify({ total_calls: total, errors: failed, seconds: elapsed, per_second: total / elapsed,
                               client_cpu_seconds: (cpu.user + cpu.system) / 1e6,
                               server_cpu_seconds: serverPid ? cpuSeconds(serverPid) - serverBefore : -1,
                               server_peak_rss_kb: serverPid ? peakRssKb(serverPid) : -1 }));
  return total > 0 && failed === 0;
}

async function main() {
  const f = flags(process.argv.slice(2));
  const sizes = JSON.parse(f.sizes || '{}');
  if (f.serve) {
    const { kinds } = open(f.url, Number(f.pool || 8));
    const server = http.createServer((req, res) => {
      const kind = kinds[req.url.slice(1)];
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', async () => {
        try {
          if (!kind) throw new Error(`no kind ${req.url}`);
          const result = await kind(JSON.parse(body || '{}'));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(result === undefined ? null : result));
        } catch (e) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(e.message);
        }
      });
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }
  const chosen = String(f.kinds || '').split(',').filter(Boolean);
  const concurrency = Number(f.concurrency || 8), seconds = Number(f.seconds || 5);
  // How a request reaches Drizzle: in this process, or through the HTTP server.
  let pool = null, send;
  if (f.http) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const base = new URL(f.http);
    pool = { end: async () => agent.destroy() };
    send = (kind, q) => new Promise((resolve, reject) => {
      const body = JSON.stringify(q);
      const req = http.request({ host: base.hostname, port: base.port, path: '/' + kind, method: 'POST', agent,
                                 headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
                               (res) => {
                                 let text = '';
                                 res.on('data', (c) => { text += c; });
                                 res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(text))));
                               });
      req.on('error', reject);
      req.end(body);
    });
  } else {
    const opened = open(f.url, concurrency);
    pool = opened.pool;
    send = (kind, q) => opened.kinds[kind](q);
  }
  if (f.check) {  // the reads with fixed parameters (bench/load --check sends the same)
    const fixed = { customer_by_id: { id: 1 }, customers_by_name: { pattern: '%ab1%' }, products_page: { offset: 0 },
                    order_with_details: { id: 1 }, employee_with_orders: { id: 1 } };
    const out = {};
    for (const [k, q] of Object.entries(fixed)) out[k] = await send(k, q);
    console.log(JSON.stringify(out));
  } else {
    const ok = await drive(chosen, concurrency, seconds, (kind, pick) => send(kind, params[kind](pick, sizes)),
                           Number(f.pid || 0));
    process.exitCode = ok ? 0 : 1;
  }
  await pool.end();
}

main().catch((e) => {
  console.error(`drizzle load: ${e.stack || e.message}`);
  process.exit(1);
});
