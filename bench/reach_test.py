#!/usr/bin/python3
"""bench/reach.py: the bounds bench/run.py sets beside each target."""
import argparse
import contextlib
import io
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reach  # noqa: E402
import run  # noqa: E402


def way(per_second, postgres=0.0, client=0.0, server=0.0, p50=0.0):
    return {"per_second": per_second, "p50_ms": p50,
            "cpu_ms_per_call": {"client": client, "server": server, "postgres": postgres}}


# From docs/benchmarks.md (2026-12-06): a statement PostgreSQL spends 1.6-3.6 ms of CPU on (the
# ilike search), and one it spends 0.02-0.05 ms on (the point select).
SEARCH = {"sluice": way(431, 1.93), "drizzle": way(459, 1.857), "drizzle_http": way(381, 1.839), "raw": way(275, 3.569)}
SEARCH_8 = {"sluice": way(1006, 1.659), "drizzle": way(1087, 1.626), "drizzle_http": way(999, 1.556),
            "raw": way(672, 2.908)}
POINT = {"sluice": way(4434, 0.052, p50=0.21), "drizzle": way(6583, 0.050, p50=0.14),
         "drizzle_http": way(2390, 0.054), "raw": way(11353, 0.045, client=0.029, p50=0.08)}
POINT_8 = {"sluice": way(14273, 0.033, client=0.033, server=0.067), "drizzle": way(23379, 0.031, client=0.045),
           "drizzle_http": way(7299, 0.050),
           "raw": way(63344, 0.020, client=0.011)}
RESULTS = {("customer_by_id", 1): POINT, ("customers_by_name", 1): SEARCH, ("customer_by_id", 8): POINT_8,
           ("customers_by_name", 8): SEARCH_8}
# The planned-only point select (to_sql) one at a time and at 8 in flight.
PLANNED_1 = way(9600, client=0.05, server=0.05, p50=0.101)
PLANNED_8 = way(40700, client=0.023, server=0.024)


class DatabaseCeiling(unittest.TestCase):
    def test_one_at_a_time_each_call_waits_for_its_statement(self):
        self.assertAlmostEqual(reach.database_ceiling(SEARCH.values(), 1, 2), 1000 / 1.839)

    def test_in_flight_the_statements_share_the_cores(self):
        self.assertAlmostEqual(reach.database_ceiling(SEARCH_8.values(), 8, 2), 2000 / 1.556)
        self.assertAlmostEqual(reach.database_ceiling(POINT_8.values(), 8, 2), 2000 / 0.020)

    def test_no_postgres_cpu_measured_is_no_bound(self):
        self.assertEqual(reach.database_ceiling([way(10, 0.0)], 1, 2), float("inf"))


class HopFloor(unittest.TestCase):
    def test_one_at_a_time_the_medians_add_up(self):
        self.assertAlmostEqual(reach.serial_floor(PLANNED_1, POINT["raw"]), 0.181)
        self.assertAlmostEqual(reach.hop_ceiling(PLANNED_1, POINT["raw"], 1, 2), 1000 / 0.181)

    def test_in_flight_the_cpu_adds_up_on_the_cores(self):
        self.assertAlmostEqual(reach.hop_floor(PLANNED_8, POINT_8["raw"]), 0.078)
        self.assertAlmostEqual(reach.hop_ceiling(PLANNED_8, POINT_8["raw"], 8, 2), 2000 / 0.078)

    def test_room_is_the_peer_s_budget_less_the_floor(self):
        # Drizzle at 23,379 calls/s on 2 cores: 0.0855 ms per call for everything.
        self.assertAlmostEqual(reach.room(POINT_8["drizzle"], 0.078, 2), 2000 / 23379 - 0.078)
        self.assertLess(reach.room(way(40000), 0.078, 2), 0)


class Targets(unittest.TestCase):
    hops = {("customer_by_id", 1): reach.hop_ceiling(PLANNED_1, POINT["raw"], 1, 2),
            ("customer_by_id", 8): reach.hop_ceiling(PLANNED_8, POINT_8["raw"], 8, 2)}
    bounds = reach.ceilings(RESULTS, 2, hops)

    def test_each_cell_is_bound_by_the_lower_of_the_database_and_the_hop(self):
        self.assertEqual(self.bounds[("customer_by_id", 1)], (1000 / 0.181, reach.HOP))
        self.assertEqual(self.bounds[("customer_by_id", 8)], (2000 / 0.078, reach.HOP))
        self.assertEqual(self.bounds[("customers_by_name", 8)], (2000 / 1.556, reach.DATABASE))

    def test_names_the_cells_whose_target_is_above_their_bound(self):
        # 2 × 381 = 762 calls/s one at a time, where PostgreSQL allows 544; at 8 in flight 1,998
        # where it allows 1,285.
        self.assertEqual(reach.out_of_reach(RESULTS, self.bounds, "drizzle_http", 2.0, [1]),
                         [("customers_by_name", 1, 762.0, 1000 / 1.839, reach.DATABASE)])
        cells = reach.out_of_reach(RESULTS, self.bounds, "drizzle_http", 2.0, [1, 8])
        self.assertEqual([(kind, c) for kind, c, *_ in cells], [("customers_by_name", 1), ("customers_by_name", 8)])
        # 0.8 × 6,583 = 5,266 calls/s of point selects one at a time; the hop allows 5,525.
        self.assertEqual(reach.out_of_reach(RESULTS, self.bounds, "drizzle", 0.8, [1]), [])
        self.assertEqual(reach.out_of_reach(RESULTS, self.bounds, "drizzle", 0.9, [1]),
                         [("customer_by_id", 1, 0.9 * 6583, 1000 / 0.181, reach.HOP)])

    def test_the_best_ratio_is_the_worst_cell_s(self):
        # The search: 544 / 381 = 1.43× one at a time, 1,285 / 999 = 1.29× at 8 in flight.
        ratio, kind, c, why = reach.best_ratio(RESULTS, self.bounds, "drizzle_http", [1, 8])
        self.assertEqual((kind, c, why), ("customers_by_name", 8, reach.DATABASE))
        self.assertAlmostEqual(ratio, 2000 / 1.556 / 999)
        ratio, kind, c, why = reach.best_ratio(RESULTS, self.bounds, "drizzle_http", [1])
        self.assertEqual((kind, c, why), ("customers_by_name", 1, reach.DATABASE))
        self.assertAlmostEqual(ratio, 1000 / 1.839 / 381)
        # Against Drizzle in process at 8 in flight: the hop allows the point select 25,641 / 23,379
        # = 1.10×, PostgreSQL the search 1,285 / 1,087 = 1.18×.
        ratio, kind, c, why = reach.best_ratio(RESULTS, self.bounds, "drizzle", [8])
        self.assertEqual((kind, c, why), ("customer_by_id", 8, reach.HOP))
        self.assertAlmostEqual(ratio, 2000 / 0.078 / 23379)


class Report(unittest.TestCase):
    """bench/run.py's report sets the bounds beside the targets (figures made up, in the shape the
    measurements have)."""

    def test_the_targets_table_names_what_is_out_of_reach(self):
        results = {}
        for kind in run.KINDS:
            for c in (1, 8):
                ways = dict(SEARCH if c == 1 else SEARCH_8) if kind == "customers_by_name" else \
                    dict(POINT if c == 1 else POINT_8)
                results[(kind, c)] = ways
        planned = {1: PLANNED_1, 8: PLANNED_8, 16: PLANNED_8}
        typed = {(kind, c): {"generic": way(100, server=0.1), "typed": way(101, server=0.1)}
                 for kind in run.TYPED_KINDS for c in (1, 8)}
        with tempfile.TemporaryDirectory() as tmp:
            args = argparse.Namespace(rows=1, seconds=1, concurrency="1,8", out=os.path.join(tmp, "report.md"))
            # The bounds in the report are for 2 cores, as this machine kind has.
            with contextlib.redirect_stdout(io.StringIO()), mock.patch("os.cpu_count", return_value=2):
                run.write_report(args, [1, 8], results, typed, POINT_8, planned, way(0, p50=0.15),
                                 {"cold_start_ms_median": 25, "idle_rss_kb": 27000, "runs": 7}, None)
            with open(args.out) as f:
                report = f.read()
        http = next(line for line in report.splitlines() if line.startswith("| every request ≥ 2× Drizzle over HTTP"))
        self.assertIn("out of reach: customers_by_name at 1 (762 calls/s, PostgreSQL's own work allows 544), "
                      "customers_by_name at 8 (1998 calls/s, PostgreSQL's own work allows 1285)", http)
        # 0.8 × 6,583 point selects one at a time is 5,266 calls/s, within the 5,525 the hop allows.
        alone = next(line for line in report.splitlines() if line.startswith("| every request ≥ 0.8× Drizzle"))
        self.assertNotIn("out of reach", alone)
        # The hop at 8: 0.047 + 0.031 ms, 25,641 calls/s; Drizzle's 23,379 leave sluiced 0.0075 ms of
        # database work, where it spends 0.067 - 0.024.
        self.assertIn("| 8 | 40700 | 0.000 | 0.047 | 0.031 | 25641 | 23379 | 0.008 ms | 0.043 ms |", report)
        order = next(line for line in report.splitlines() if line.startswith("| order with details p50"))
        self.assertIn("1.67× (the planned-only call's p50 plus the flat join's); out of reach", order)


if __name__ == "__main__":
    unittest.main()
