#!/usr/bin/python3
"""Whether Sluice and Drizzle returned the same rows for the bench's reads.

  bench/same_rows.py SLUICE.json DRIZZLE.json

SLUICE.json is `bench/load --check` (rows as column → value; relational reads as Sluice's
Drizzle-shaped JSON, a list of at most one), DRIZZLE.json is `bench/drizzle/load.cjs --check`
(Drizzle's objects; findFirst gives an object or null). Keys are compared without case and
underscores (`company_name` is `companyName`), timestamps as instants, decimals by value (Drizzle's
relational reads drop trailing zeros: 27.50 comes back "27.5").
Exits 1 naming the first difference.
"""
import datetime
import decimal
import json
import re
import sys

DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)$")


def canonical(value):
    if isinstance(value, dict):
        return {k.replace("_", "").lower(): canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, str) and TIMESTAMP.match(value):
        text = value.replace(" ", "T").replace("Z", "+00:00")
        text = re.sub(r"([+-]\d{2})$", r"\1:00", text)
        return datetime.datetime.fromisoformat(text).astimezone(datetime.timezone.utc).isoformat()
    if isinstance(value, str) and DECIMAL.match(value):
        # Drizzle's relational reads carry numerics through JSON numbers: "27.50" comes back "27.5".
        return str(decimal.Decimal(value).normalize())
    return value


def differences(sluice, drizzle):
    """(kind, what differs) for each read whose rows differ."""
    out = []
    for kind, expected in drizzle.items():
        got = sluice.get(kind)
        if got is None:
            out.append((kind, "sluice returned nothing"))
            continue
        if isinstance(expected, dict) or expected is None:  # findFirst: an object or null
            got = got[0] if got else None
        a, b = canonical(got), canonical(expected)
        if a != b:
            out.append((kind, f"sluice {json.dumps(a)[:400]}\n  drizzle {json.dumps(b)[:400]}"))
    return out


def main():
    with open(sys.argv[1]) as f:
        sluice = json.load(f)
    with open(sys.argv[2]) as f:
        drizzle = json.load(f)
    diff = differences(sluice, drizzle)
    for kind, what in diff:
        print(f"same_rows: {kind} differs:\n  {what}")
    if not diff:
        print(f"same_rows: {len(drizzle)} reads return the same rows")
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
