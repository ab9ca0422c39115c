"""What this machine lets any server reach, from the time and CPU each process spent per call.

bench/run.py measures, for every request and calls in flight, calls/s, latencies and the
milliseconds of CPU each process used per call. Two bounds follow, and the report sets each
target beside them:

- the database's ceiling: PostgreSQL runs a request's statement the same whoever sends it, so no
  way of sending it beats the least CPU per call PostgreSQL spent on it under any of the four
  ways. One call at a time, each call waits for its statement (a backend runs it on one core);
  with more in flight, the statements share the machine's cores.
- a gRPC hop's floor (measured for the point select): one call at a time, a call through sluiced
  takes about as long as a planned-only call (`to_sql`, no database work) plus the same statement
  sent by pgbench. With calls in flight, the planned-only call costs the client and sluiced some
  CPU, and the statement sent by pgbench costs pgbench and PostgreSQL some more; a call through
  sluiced costs at least their sum, and on a machine whose cores every process shares that sum
  bounds the calls/s. What is left of a peer's CPU per call after it is all sluiced may spend on
  its own database work (sending, waiting, reading the rows, answering).

A target above a bound is out of any server's reach on this machine, however cheap its own work.
"""

DATABASE = "PostgreSQL's own work"
HOP = "the gRPC hop"


def database_ceiling(ways, concurrency, cores):
    """The most calls/s PostgreSQL's own work allows for one request at `concurrency`, from `ways`
    (the reports of every way of sending it, each with `cpu_ms_per_call["postgres"]`)."""
    least = min(way["cpu_ms_per_call"]["postgres"] for way in ways)
    return min(concurrency, cores) * 1000.0 / least if least > 0 else float("inf")


def serial_floor(planned, raw):
    """About the least time, in ms, a call one at a time takes through a gRPC hop: the planned-only
    call's median plus the raw statement's (pgbench's own sending and reading standing in for
    sluiced's)."""
    return planned["p50_ms"] + raw["p50_ms"]


def hop_floor(planned, raw):
    """The least CPU, in ms, a call through a gRPC hop costs the machine (the planned-only call's
    client and server, plus raw's client and PostgreSQL)."""
    return (planned["cpu_ms_per_call"]["client"] + planned["cpu_ms_per_call"]["server"] +
            raw["cpu_ms_per_call"]["client"] + raw["cpu_ms_per_call"]["postgres"])


def hop_ceiling(planned, raw, concurrency, cores):
    """The most calls/s of a statement through a gRPC hop at `concurrency`: one at a time, a call
    per serial_floor; with more in flight, the machine's cores spent hop_floor per call."""
    if concurrency == 1:
        return 1000.0 / serial_floor(planned, raw)
    return cores * 1000.0 / hop_floor(planned, raw)


def room(peer, floor_ms, cores):
    """What sluiced may spend on its database work per call, in ms, to match `peer`'s calls/s
    when the machine's `cores` are all busy (negative: not even the hop fits)."""
    return cores * 1000.0 / peer["per_second"] - floor_ms


def ceilings(results, cores, hops):
    """(kind, concurrency) → (calls/s, what bounds it): the lower of the database's ceiling and,
    where `hops` has the cell, the gRPC hop's. `results` maps (kind, concurrency) to each way's
    report; `hops` maps cells to hop_ceiling's calls/s."""
    bounds = {}
    for (kind, c), ways in results.items():
        bound = (database_ceiling(ways.values(), c, cores), DATABASE)
        if (kind, c) in hops:
            bound = min(bound, (hops[(kind, c)], HOP))
        bounds[(kind, c)] = bound
    return bounds


def out_of_reach(results, bounds, system, factor, concurrencies):
    """The cells at `concurrencies` whose target (`factor` × `system`'s calls/s) is above their
    bound: (kind, concurrency, target calls/s, bound calls/s, what bounds it), in `results`' order."""
    cells = []
    for (kind, c), ways in results.items():
        target = factor * ways[system]["per_second"]
        if c in concurrencies and target > bounds[(kind, c)][0]:
            cells.append((kind, c, target) + bounds[(kind, c)])
    return cells


def best_ratio(results, bounds, system, concurrencies):
    """The most any server could reach of the worst cell's ratio to `system` at `concurrencies`:
    (ratio, kind, concurrency, what bounds it)."""
    return min((bounds[(kind, c)][0] / ways[system]["per_second"], kind, c, bounds[(kind, c)][1])
               for (kind, c), ways in results.items() if c in concurrencies)
