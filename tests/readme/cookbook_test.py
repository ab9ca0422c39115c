#!/usr/bin/python3
"""Runs the README's query cookbook on every dialect under test, so that it cannot rot.

The cookbook is the part of README.md between `<!-- cookbook -->` and `<!-- /cookbook -->`.
Each ```sh block there runs in bash, in order, (with `sluice` calling the CLI against a fresh sluiced and
a fresh database, the shop schema registered and migrated); a block that starts with
`# DIALECT only` (or `# DIALECT, DIALECT only`) runs only on those dialects. The ```json block after it, if any, is what the
block's last command prints: every key it shows must be in the output with that value (keys it
leaves out are not compared; lists must match in length). When the block prints several
documents (a stream), a JSON array there stands for all of them. A ```text block instead
lists lines that must appear in the output (stdout and stderr), and `exit N` the block's exit
status (else it must succeed).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid

ROOT = os.getcwd()


def blocks(readme):
    section = re.search(r"<!-- cookbook -->(.*)<!-- /cookbook -->", readme, re.S)
    if not section:
        sys.exit("README.md has no cookbook section")
    found = re.findall(r"```(\w+)\n(.*?)```", section.group(1), re.S)
    steps = []
    for lang, body in found:
        if lang == "sh":
            steps.append({"script": body, "expect": None, "lang": None})
        elif lang in ("json", "text") and steps and steps[-1]["expect"] is None:
            steps[-1]["expect"], steps[-1]["lang"] = body, lang
    return steps


def documents(text):
    decoder, docs, i = json.JSONDecoder(), [], 0
    text = text.strip()
    while i < len(text):
        doc, end = decoder.raw_decode(text, i)
        docs.append(doc)
        i = end
        while i < len(text) and text[i].isspace():
            i += 1
    return docs


def contains(actual, expected, path="$"):
    """None when `actual` shows everything `expected` does, else where it differs."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {json.dumps(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}.{key}: missing"
            diff = contains(actual[key], value, f"{path}.{key}")
            if diff:
                return diff
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{path}: expected {len(expected)} items, got {json.dumps(actual)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            diff = contains(a, e, f"{path}[{i}]")
            if diff:
                return diff
        return None
    return None if actual == expected else f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}"


def fresh_database(dialect):
    name = "cookbook_" + uuid.uuid4().hex[:12]
    if dialect == "sqlite":
        return "sqlite:" + os.path.join(os.environ.get("TEST_TMPDIR", tempfile.gettempdir()), name + ".db")
    if dialect == "postgres":
        admin = os.environ["SLUICE_TEST_POSTGRES_URL"]
        subprocess.run(["psql", "-q", admin, "-c", f"CREATE DATABASE {name}"], check=True)
        return admin[: admin.rfind("/") + 1] + name
    if dialect == "mysql":
        admin = os.environ["SLUICE_TEST_MYSQL_URL"]
        m = re.match(r"mysql://([^:]*):([^@]*)@([^:]*):(\d+)/", admin)
        subprocess.run(["mariadb", "-h", m[3], "-P", m[4], "-u", m[1], f"-p{m[2]}", "-e", f"CREATE DATABASE {name}"],
                       check=True)
        return admin[: admin.rfind("/") + 1] + name
    sys.exit(f"no test database for dialect {dialect}")


def run_dialect(dialect, steps):
    url = fresh_database(dialect)
    # The tokens the README's row-level security section configures; the other blocks call with
    # the admin one (SLUICE_TOKEN in the prelude).
    server = subprocess.Popen(["server/sluiced", "--listen", "127.0.0.1:0", "--plugin-dir", "lib/plugins",
                               "--http-listen", "127.0.0.1:0",
                               "--allow-raw-sql", "--database", "default=" + url, "--tokens",
                               "admin:cookbook-admin,data@journal_writer:alice-token,data@journal_writer:bob-token"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("sluiced listening on "):
            return [f"{dialect}: sluiced did not start: {line!r}"]
        addr = line.split()[-1]
        line = server.stdout.readline()  # the HTTP door's address, announced next
        if not line.startswith("sluiced http on "):
            return [f"{dialect}: sluiced did not open the HTTP door: {line!r}"]
        http = "http://" + line.split()[-1]
        prelude = (f'set -euo pipefail\nexport SLUICE_TOKEN=cookbook-admin SLUICE_HTTP={http}\n'
                   f'sluice() {{ "{ROOT}/tools/sluice/sluice" --addr {addr} "$@"; }}\n')
        setup = subprocess.run(["bash", "-c", prelude + "sluice register examples/shop.schema.json && sluice migrate shop"],
                               capture_output=True, text=True)
        if setup.returncode != 0:
            return [f"{dialect}: cannot set up the shop schema: {setup.stderr}"]
        problems, ran = [], 0
        # The blocks' scratch files ($TMPDIR) in a folder of this run's own: runs side by side do
        # not share them.
        env = dict(os.environ, TMPDIR=tempfile.mkdtemp(prefix=dialect + "-", dir=os.environ.get("TEST_TMPDIR")))
        for step in steps:
            first = step["script"].splitlines()[0]
            only = re.match(r"# ([\w, ]+) only", first)
            if only and dialect not in re.split(r"[, ]+", only.group(1)):
                continue
            ran += 1
            # Blocks run in order on one database; each is its own shell.
            done = subprocess.run(["bash", "-c", prelude + step["script"]], capture_output=True, text=True, env=env)
            out = done.stdout
            label = f"{dialect}: block `{first}`"
            if os.environ.get("COOKBOOK_SHOW"):  # for writing the cookbook: every output
                print(f"=== {label} (exit {done.returncode})\n{out}{done.stderr}")
            if step["lang"] == "text":
                code = 0
                for want in step["expect"].strip().splitlines():
                    if re.fullmatch(r"exit \d+", want):
                        code = int(want.split()[1])
                    elif want not in out + done.stderr:
                        problems.append(f"{label}: `{want}` not in:\n{out}{done.stderr}")
                if done.returncode != code:
                    problems.append(f"{label}: exit {done.returncode}, expected {code}:\n{out}{done.stderr}")
                continue
            if done.returncode != 0:
                problems.append(f"{label}: exit {done.returncode}\n{done.stderr}")
                continue
            if step["lang"] == "json":
                expected = json.loads(step["expect"])
                docs = documents(out)
                target = docs[0] if len(docs) == 1 else docs if isinstance(expected, list) else docs[-1] if docs else None
                diff = contains(target, expected)
                if diff:
                    problems.append(f"{label}: {diff}\n--- output:\n{out}")
        print(f"cookbook on {dialect}: {ran} blocks, {len(problems)} failed")
        return problems
    finally:
        server.terminate()
        server.wait()

if __name__ == "__main__":
    with open("README.md") as f:
        steps = blocks(f.read())
    if len(steps) < 10:
        sys.exit(f"the cookbook has only {len(steps)} blocks")
    dialects = [d for d in os.environ.get("SLUICE_TEST_DIALECTS", "sqlite").split(",") if d]
    problems = []
    for dialect in dialects:
        problems += run_dialect(dialect, steps)
    for p in problems:
        print("FAIL", p)
    sys.exit(1 if problems else 0)
