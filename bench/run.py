#!/usr/bin/python3
"""The benchmark harness: every figure of docs/benchmarks.md comes from here.

  bench/run.py [--rows 370000] [--seconds 10] [--concurrency 16] [--out docs/benchmarks.md]

It builds the optimized binaries, starts a throwaway PostgreSQL 15 on loopback
(tools/db/postgres.sh), seeds the Northwind-like schema, and measures each request kind twice
on the same database at the same concurrency: through sluiced (bench/load, the gRPC callback
API) and raw (pgbench -M prepared running the very statements sluiced runs, with the same
connection count). Then the whole mix, and cold start and idle RSS. It writes the report with
the commands, the machine, and each ratio beside its target.
"""
import argparse
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import signal
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ["customer_by_id", "customers_by_name", "products_page", "order_with_details", "employee_with_orders",
         "insert_order", "update_product"]
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


def run(cmd, check=True, **kw):
    out = subprocess.run(cmd, text=True, capture_output=True, cwd=ROOT, **kw)
    if check and out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:2])} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def drive(load, kinds, concurrency, seconds, *extra):
    """bench/load's report lines (one per kind, then the total) for `kinds` at `concurrency`."""
    return [json.loads(line) for line in run(load + ["--kinds", kinds, "--concurrency", str(concurrency), "--seconds",
                                                     str(seconds), *extra], check=False).splitlines()]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else 0.0


def pgbench(url, script, clients, seconds, tmp, tag, defines=()):
    prefix = os.path.join(tmp, "log_" + tag)
    out = subprocess.run([PGBENCH, "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(2, clients)), "-T", str(seconds), "-D", "seq=0", *[f"-D{d}" for d in defines], "-f", script,
                          "-l", "--log-prefix", prefix, url], text=True, capture_output=True)
    if out.returncode != 0:
        sys.exit(f"pgbench {tag} failed:\n{out.stdout}\n{out.stderr}")
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out.stdout).group(1))
    latencies = []
    for log in glob.glob(prefix + "*"):
        with open(log) as f:
            for line in f:
                fields = line.split()
                latencies.append(int(fields[2]) / 1000.0)  # µs → ms
    return {"per_second": tps, "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99), "calls": len(latencies)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=370000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", default="docs/benchmarks.md")
    args = parser.parse_args()
    # A SIGTERM (timeout, ^C from a wrapper) still stops the throwaway PostgreSQL and sluiced.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench: terminated"))

    print("bench: building (bazel -c opt)", flush=True)
    run(["bazel", "build", "-c", "opt", "//bench:load", "//:sluiced", "//:sluice", "//:plugin_files"])
    bin_dir = run(["bazel", "info", "-c", "opt", "bazel-bin"]).strip()
    tmp = tempfile.mkdtemp(prefix="sluice-bench-")
    os.chmod(tmp, 0o755)
    pg_dir = os.path.join(tmp, "postgres")
    url = run(["tools/db/postgres.sh", "start", pg_dir]).strip()
    server = None
    try:
        run(["psql", "-q", url, "-c", "CREATE DATABASE bench"])
        db = url.rsplit("/", 1)[0] + "/bench"
        server = subprocess.Popen([os.path.join(bin_dir, "server/sluiced"), "--listen", "127.0.0.1:0", "--plugin-dir",
                                   os.path.join(bin_dir, "lib/plugins"), "--pool-size", str(args.concurrency),
                                   "--database", "default=" + db], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  cwd=ROOT)
        addr = server.stdout.readline().split()[-1]
        sluice = [os.path.join(bin_dir, "tools/sluice/sluice"), "--addr", addr]
        run(sluice + ["register", "bench/northwind.schema.json"])
        run(sluice + ["migrate", "northwind"])
        print(f"bench: seeding {args.rows} rows", flush=True)
        seed = run(["/usr/bin/python3", "bench/seed.py", "--rows", str(args.rows)])
        subprocess.run(["psql", "-q", db], input=seed, text=True, check=True, capture_output=True)
        sizes = run(["/usr/bin/python3", "bench/seed.py", "--rows", str(args.rows), "--sizes"]).strip()
        load = [os.path.join(bin_dir, "bench/load"), "--addr", addr, "--sizes", sizes]

        results = {}
        profile = None
        for kind in KINDS:
            print(f"bench: {kind}", flush=True)
            sluiced = drive(load, kind, args.concurrency, args.seconds, "--pid", str(server.pid))[0]
            if kind == "customer_by_id" and shutil.which("perf"):
                # A profile of sluiced under a second, shorter point-select load, so that the
                # measurement above runs without the profiler (software clock: this machine kind may
                # have no hardware counters).
                seconds = max(args.seconds / 2, 3)
                # System-wide, read back for sluiced's pid: attaching to the process fails when one of
                # its threads ends while perf opens them.
                perf = subprocess.Popen(["perf", "record", "-a", "-e", "cpu-clock", "-F", "999", "-g",
                                         "-o", os.path.join(tmp, "perf.data"), "--", "sleep", str(seconds - 1)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                drive(load, kind, args.concurrency, seconds)
                perf.wait()
                profile = read_profile(os.path.join(tmp, "perf.data"), server.pid)
            script = os.path.join(tmp, kind + ".sql")
            with open(script, "w") as f:
                f.write(run(load + ["--pgbench", kind]))
            raw = pgbench(db, script, args.concurrency, int(args.seconds), tmp, kind)
            results[kind] = {"sluice": sluiced, "raw": raw}
        print("bench: customer_by_id planned only (to_sql)", flush=True)
        planned = drive(load, "customer_by_id", args.concurrency, args.seconds, "--to-sql", "true")[0]
        print("bench: order_with_details written by hand", flush=True)
        orders = [f"orders={json.loads(sizes)['orders']}"]
        by_hand = pgbench(db, os.path.join(ROOT, "bench/order_with_details.sql"), args.concurrency, int(args.seconds), tmp,
                          "by_hand", orders)
        # The same comparison one call at a time: latency without the queueing of 16 calls on two
        # shared cores.
        print("bench: order_with_details one at a time", flush=True)
        alone = {"sluice": drive(load, "order_with_details", 1, args.seconds)[0],
                 # A gRPC round trip with the least work behind it: a planned-only point select.
                 "round_trip": drive(load, "customer_by_id", 1, args.seconds, "--to-sql", "true")[0],
                 "by_hand": pgbench(db, os.path.join(ROOT, "bench/order_with_details.sql"), 1, int(args.seconds), tmp,
                                    "by_hand_alone", orders)}
        print("bench: the mix", flush=True)
        mix = drive(load, ",".join(KINDS), args.concurrency, args.seconds, "--pid", str(server.pid))[-1]
        print("bench: cold start", flush=True)
        cold = json.loads(run([os.path.join(bin_dir, "bench/load"), "--cold-start", os.path.join(bin_dir, "server/sluiced"),
                               "--plugin-dir", os.path.join(bin_dir, "lib/plugins"),
                               "--database", "default=sqlite:" + os.path.join(tmp, "cold.db"), "--runs", "7"]))
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        subprocess.run(["tools/db/postgres.sh", "stop", pg_dir], cwd=ROOT)
        shutil.rmtree(tmp, ignore_errors=True)

    write_report(args, results, planned, by_hand, alone, mix, cold, profile)


def read_profile(path, pid):
    """The top symbols of process `pid` in a perf profile."""
    out = subprocess.run(["perf", "report", "-i", path, "--pid", str(pid), "--percentage", "relative", "--stdio",
                          "--no-children", "--sort", "dso,symbol", "-g", "none"],
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), re.sub(r"(\s+-)+$", "", " ".join(m.group(4).split()))))
    return rows


def verdict(ok, text):
    return ("met" if ok else "**missed**") + f" ({text})"


def write_report(args, results, planned, by_hand, alone, mix, cold, profile):
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    lines = [
        "# Benchmarks",
        "",
        "Produced by `bench/run.py` (never typed in by hand): rerun it to refresh this file.",
        "",
        "```sh",
        f"bench/run.py --rows {args.rows} --seconds {args.seconds:g} --concurrency {args.concurrency}",
        "```",
        "",
        f"Run {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')} on {os.cpu_count()} cores ({cpu}), "
        f"PostgreSQL 15 on loopback (fsync off, a throwaway cluster), {args.rows} rows of the Northwind-like schema "
        f"(`bench/northwind.schema.json`, seeded by `bench/seed.py`), {args.concurrency} calls in flight, "
        f"{args.seconds:g} s per measurement, optimized build (`-c opt`). Client, sluiced and PostgreSQL share the "
        "machine's cores.",
        "",
        "**Sluice** is `bench/load` (a C++ gRPC client on the callback API) calling sluiced; **raw** is `pgbench -M "
        "prepared` running the same SQL statements sluiced runs (taken from each request's `to_sql`), with as many "
        "connections as sluiced's pool, on the same database. Latencies are per call in milliseconds.",
        "",
        "| request | sluice calls/s | raw calls/s | sluice / raw | sluice p50 | p95 | p99 | raw p50 | p95 | p99 | p99 sluice / raw | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, r in results.items():
        s, raw = r["sluice"], r["raw"]
        lines.append(f"| {kind} | {s['per_second']:.0f} | {raw['per_second']:.0f} | {s['per_second'] / raw['per_second']:.2f} | "
                     f"{s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['p99_ms']:.2f} | {raw['p50_ms']:.2f} | {raw['p95_ms']:.2f} | "
                     f"{raw['p99_ms']:.2f} | {s['p99_ms'] / raw['p99_ms']:.2f} | {s['errors']} |")
    point, order = results["customer_by_id"], results["order_with_details"]
    throughput = point["sluice"]["per_second"] / point["raw"]["per_second"]
    p99 = point["sluice"]["p99_ms"] / point["raw"]["p99_ms"]
    relational = order["sluice"]["p50_ms"] / by_hand["p50_ms"]
    relational_alone = alone["sluice"]["p50_ms"] / alone["by_hand"]["p50_ms"]
    start_ms, rss_mb = cold["cold_start_ms_median"], cold["idle_rss_kb"] / 1024
    lines += [
        "",
        f"The same point selects planned and compiled by sluiced but not executed (`to_sql`, no database work): "
        f"{planned['per_second']:.0f} calls/s, p50 {planned['p50_ms']:.2f} ms, p99 {planned['p99_ms']:.2f} ms — the most "
        f"this gRPC path does on this machine, {planned['per_second'] / point['raw']['per_second']:.0%} of the raw point "
        "select rate.",
        "",
        f"The order with details written by hand as one flat join (`bench/order_with_details.sql`, pgbench, same "
        f"concurrency): {by_hand['per_second']:.0f} calls/s, p50 {by_hand['p50_ms']:.2f} ms, p99 {by_hand['p99_ms']:.2f} ms "
        f"(the statement sluiced generates, run raw: p50 {order['raw']['p50_ms']:.2f} ms). One call at a time: sluiced "
        f"p50 {alone['sluice']['p50_ms']:.2f} ms, p99 {alone['sluice']['p99_ms']:.2f} ms; by hand p50 "
        f"{alone['by_hand']['p50_ms']:.2f} ms, p99 {alone['by_hand']['p99_ms']:.2f} ms. A call through sluiced cannot "
        f"take less than a gRPC round trip plus the statement: the planned-only point select, one at a time, takes "
        f"p50 {alone['round_trip']['p50_ms']:.2f} ms, so the least an order with details can take is about "
        f"{(alone['round_trip']['p50_ms'] + alone['by_hand']['p50_ms']) / alone['by_hand']['p50_ms']:.1f}× the "
        "hand-written statement run by pgbench straight through libpq.",
        "",
        f"The whole mix (every kind, equally often): {mix['per_second']:.0f} calls/s, {mix['errors']} errors; sluiced used "
        f"{mix['server_cpu_seconds']:.1f} CPU seconds in {mix['seconds']:.1f} s, peak RSS {mix['server_peak_rss_kb'] / 1024:.1f} MB.",
        "",
        f"Cold start (process start to Health `SERVING`, three plugins loaded, SQLite): median "
        f"{cold['cold_start_ms_median']:.1f} ms, worst {cold['cold_start_ms_max']:.1f} ms of {cold['runs']}; idle RSS "
        f"{cold['idle_rss_kb'] / 1024:.1f} MB.",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
        f"| point select ≥ 60% of raw at concurrency {args.concurrency} | {throughput:.0%} | "
        f"{verdict(throughput >= 0.6, f'{throughput / 0.6:.2f}× the target')} |",
        f"| point select p99 ≤ 3× raw | {p99:.2f}× | {verdict(p99 <= 3, f'{p99 / 3:.2f}× the bound')} |",
        f"| order with details (relational) ≤ 1.2× the hand-written statement (p50, concurrency {args.concurrency}) | "
        f"{relational:.2f}× | "
        f"{verdict(relational <= 1.2, f'{relational / 1.2:.2f}× the bound')} |",
        f"| the same, one call at a time | {relational_alone:.2f}× | "
        f"{verdict(relational_alone <= 1.2, f'{relational_alone / 1.2:.2f}× the bound')} |",
        f"| cold start < 50 ms | {start_ms:.1f} ms | {verdict(start_ms < 50, f'{start_ms / 50:.2f}× the bound')} |",
        f"| idle RSS < 30 MB | {rss_mb:.1f} MB | {verdict(rss_mb < 30, f'{rss_mb / 30:.2f}× the bound')} |",
        "",
    ]
    ratios = sorted(((r["sluice"]["per_second"] / r["raw"]["per_second"], k) for k, r in results.items()), reverse=True)
    close = ", ".join(f"{k} {ratio:.2f}" for ratio, k in ratios[:2])
    lines += ["## Profile", ""]
    if not profile:
        lines += ["perf is not available here: no profile." if profile is None else
                  "perf recorded no samples of sluiced: no profile.", ""]
    else:
        kernel = sum(p for p, dso, _ in profile if dso == "[kernel.kallsyms]")
        top = ", ".join(f"`{sym[:60]}` {p:.1f}%" for p, dso, sym in profile[:8])
        lines += [
            f"`perf record -a -e cpu-clock -g` during a second run of the point selects: {kernel:.0f}% of sluiced's samples are in the "
            f"kernel, most of them waking and switching threads (futex wait and wake); the top symbols: {top}.",
            "",
            "What it shows: per call, sluiced spends far less time in its own code (planning, the cached SQL, binding, "
            "decoding) than in the kernel waking and switching threads: gRPC's synchronous server reads each request on "
            "an executor thread and hands it through a completion queue to a handler thread, the handler waits on "
            "libpq's socket, and the three processes (client, sluiced, PostgreSQL) share two cores. The planned-only "
            f"calls show the ceiling of that path without any database work: {planned['per_second'] / point['raw']['per_second']:.0%} "
            "of the raw rate, so on this machine the 60% target is out of reach for any call through this gRPC path. pgbench "
            "has none of those hops, so the cheapest statements (the point select, the update) show the lowest ratios, "
            "and the more of a call's time the database itself spends, the closer the ratio comes to 1 (here: "
            f"{close}). Two costs this profile found are gone: gRPC's default of at most two idle handler threads "
            "made and ended a thread about every third call (sluiced now keeps one per pooled connection), and asking "
            "gRPC whether a call was cancelled before each statement polled its completion queue (now the watchdog "
            "asks every 100 ms).",
            "",
            "Next step (docs/architecture.md, \"Serving threads\", has the prototype's figures): gRPC's callback API "
            "roughly doubles the planned-only rate when a call runs on the thread that read it, but a handler that "
            "blocks there on the database stalls gRPC's few executor threads, and handing the call to sluiced's own "
            "threads cost more than the completion queue it replaces. So the callback API needs a non-blocking "
            "driver path first: the plugin ABI grows send / socket / collect functions at the end of its table, and "
            "one sluiced thread waits on all pooled sockets and finishes the calls whose results arrived. Measure "
            "again with the client on another machine, so that the figures are the server's and not the shared cores'.",
            "",
        ]
    with open(os.path.join(ROOT, args.out), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
