#!/usr/bin/python3
"""deploy/ holds what an operator applies: the sidecar manifest (ConfigMap, Secret, Deployment)
and the Dockerfile. They are checked here: sluiced is a native sidecar probed on grpc.health.v1
(liveness "", readiness and startup "sluice.ready"); every secretKeyRef / configMapKeyRef names
an object and key the manifest has; tokens and the database URL come from the Secret; the pod's
steps run for real (sluiced with the ConfigMap's config and the Secret's tokens, the migrate
step's command on a flat migrations folder, the app's token); and the Dockerfile names files,
targets and packages that exist. (No Docker engine runs on the CI machine, so the image itself
is not built here.)"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

import yaml

problems = []


def check(condition, what):
    if not condition:
        problems.append(what)


with open("deploy/sidecar.yaml") as f:
    manifest = f.read()
docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(manifest)}
check(sorted(docs) == [("ConfigMap", "sluice-config"), ("Deployment", "shop"), ("Secret", "sluice-secrets")],
      f"objects: {sorted(docs)}")
secret = docs[("Secret", "sluice-secrets")]["stringData"]
config_map = docs[("ConfigMap", "sluice-config")]
pod = docs[("Deployment", "shop")]["spec"]["template"]["spec"]
init = {c["name"]: c for c in pod.get("initContainers", [])}
containers = {c["name"]: c for c in pod["containers"]}
check(list(init) == ["sluiced", "migrate"], "init containers: the sluiced sidecar, then the migrate step")
check(list(containers) == ["app"], "the app is the one regular container")
sidecar, migrate, app = init["sluiced"], init["migrate"], containers["app"]
check(sidecar.get("restartPolicy") == "Always", "sluiced is a native sidecar (restartPolicy Always)")
check(sidecar["startupProbe"]["grpc"] == {"port": 50051, "service": "sluice.ready"},
      "the steps after sluiced wait for every database (a startup probe on sluice.ready)")
check(sidecar["livenessProbe"]["grpc"] == {"port": 50051}, "liveness: a gRPC probe on the server (service \"\")")
check(sidecar["readinessProbe"]["grpc"] == {"port": 50051, "service": "sluice.ready"}, "readiness: sluice.ready")
check(sidecar["args"] == ["--config", "/etc/sluice/sluiced.json"], "sluiced reads the mounted config")

# Every reference names an object of the manifest and a key it has, and none is optional (an
# optional reference to a missing key hides the mistake: every call UNAUTHENTICATED).
for c in list(init.values()) + list(containers.values()):
    for e in c.get("env", []):
        for kind, ref_name in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
            ref = e.get("valueFrom", {}).get(ref_name)
            if ref is None:
                continue
            target = docs.get((kind, ref["name"]))
            keys = (target or {}).get("stringData", {}) | (target or {}).get("data", {})
            check(target is not None and ref["key"] in keys,
                  f"{c['name']}: {e['name']} refers to {kind} {ref['name']} key {ref['key']}, which the manifest has")
            check(not ref.get("optional", False), f"{c['name']}: {e['name']} is not optional")
# ConfigMap volumes: in the manifest, or the migrations one the header says how to make.
for v in pod["volumes"]:
    if "configMap" in v:
        name = v["configMap"]["name"]
        check(("ConfigMap", name) in docs or f"kubectl create configmap {name} " in manifest,
              f"volume {v['name']}: ConfigMap {name} is in the manifest or its making is described")
tokens = dict(t.split(":", 1)[::-1] for t in secret["tokens"].split(","))
check(tokens.get(secret["data-token"]) == "data", "the app's data-token is one sluiced accepts, with the data scope")
check(tokens.get(secret["admin-token"]) == "admin", "the migrate step's admin-token is one sluiced accepts (admin)")
config = json.loads(config_map["data"]["sluiced.json"])
check("databases" not in config, "no database URL (and password) in the ConfigMap")
check(config["listen"].endswith(":50051"), "the config listens on the probed port")
sidecar_env = {e["name"]: e for e in sidecar["env"]}
check(sidecar_env["SLUICE_DATABASES"]["valueFrom"]["secretKeyRef"]["key"] == "databases",
      "the database URL comes from the Secret")
mounts = {m["name"]: m["mountPath"] for m in sidecar["volumeMounts"]}
check(mounts.get("config") == "/etc/sluice", "the ConfigMap is mounted at /etc/sluice")
app_env = {e["name"]: e.get("value") for e in app["env"]}
check(app_env.get("SLUICE_ADDR") == "localhost:50051", "the app reaches the sidecar on localhost")

# The pod's steps for real: sluiced with the ConfigMap's config and the Secret's tokens (the
# database overridden by a flag, which wins), the migrate step's command with the Secret's admin
# token on a migrations folder laid out flat as the ConfigMap volume holds it, then the app's
# data token.
tmp = os.environ.get("TEST_TMPDIR", tempfile.gettempdir())
path = os.path.join(tmp, "sluiced.json")
with open(path, "w") as f:
    f.write(config_map["data"]["sluiced.json"])
check(subprocess.run(["server/sluiced", "--config", path, "--help"], capture_output=True).returncode == 0,
      "sluiced accepts the ConfigMap's config")
socket_dir = tempfile.mkdtemp(prefix="sluice-deploy-", dir="/tmp")
server = subprocess.Popen(
    ["server/sluiced", "--config", path, "--plugin-dir", "lib/plugins", "--listen", "127.0.0.1:0",
     "--unix-socket", os.path.join(socket_dir, "s.sock"), "--metrics-listen", "127.0.0.1:0", "--shutdown-delay", "0",
     "--database", "default=sqlite:" + os.path.join(tmp, "deploy.db")],
    env=dict(os.environ, SLUICE_TOKENS=secret["tokens"], SLUICE_DATABASES=secret["databases"]),
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
first, second = server.stdout.readline(), server.stdout.readline()


def announced(line):
    """The JSON line sluiced writes on stdout with the config's log format json: (msg, address)."""
    try:
        event = json.loads(line)
        return event["msg"], event["address"]
    except (ValueError, KeyError):
        return None, ""


check(announced(first)[0] == "sluiced listening on" and announced(first)[1].startswith("127.0.0.1:"),
      f"starts, saying so in JSON: {first!r}")
check(announced(second)[0] == "sluiced metrics on" and announced(second)[1].startswith("127.0.0.1:"),
      f"serves metrics: {second!r}")
addr = announced(first)[1]


def sluice(token, *args):
    return subprocess.run(["tools/sluice/sluice", "--addr", addr, *args], capture_output=True, text=True,
                          env=dict(os.environ, SLUICE_TOKEN=token))


folder, flat = os.path.join(tmp, "migrations"), os.path.join(tmp, "configmap")
check(sluice(secret["admin-token"], "register", "examples/shop.schema.json").returncode == 0, "register")
check(sluice(secret["admin-token"], "generate", "shop", "--out", folder).returncode == 0, "generate a folder")
os.makedirs(flat, exist_ok=True)
for d in (folder, os.path.join(folder, "meta")):  # --from-file=migrations/ --from-file=migrations/meta/
    for name in os.listdir(d):
        if os.path.isfile(os.path.join(d, name)):
            shutil.copy(os.path.join(d, name), flat)
step = [a for a in migrate["args"]]
step[step.index("--addr") + 1] = addr
step[step.index("/migrations")] = flat
migrate_token = secret[migrate["env"][0]["valueFrom"]["secretKeyRef"]["key"]]
ran = subprocess.run(["tools/sluice/sluice", *step], capture_output=True, text=True,
                     env=dict(os.environ, SLUICE_TOKEN=migrate_token))
check(ran.returncode == 0 and "0000_initial_v1" in ran.stdout, f"the migrate step applies: {ran.stdout}{ran.stderr}")
again = subprocess.run(["tools/sluice/sluice", *step], capture_output=True, text=True,
                       env=dict(os.environ, SLUICE_TOKEN=migrate_token))
check(again.returncode == 0 and "nothing to apply" in again.stdout, f"a second replica's step: {again.stdout}")
selected = sluice(secret["data-token"], "select", '{"target": {"schema": "shop"}, "select": {"table": "users"}}')
check(selected.returncode == 0, f"the app's data token is accepted: {selected.stderr}")
server.send_signal(signal.SIGTERM)
_, log = server.communicate(timeout=30)
check(server.returncode == 0, f"exits 0 on SIGTERM: {server.returncode}")
check(all(line.startswith("{") for line in log.splitlines()), "the config's json log format")

with open("deploy/Dockerfile") as f:
    dockerfile = f.read()
check("tools/install-deps.sh" in dockerfile and os.path.exists("tools/install-deps.sh"), "the build uses install-deps")
for target in re.findall(r"(//:\w+)", dockerfile):
    check(target in ("//:sluiced", "//:sluice", "//:plugin_files"), f"a known target: {target}")
packages = re.search(r"--no-install-recommends \\\n(.*?) &&", dockerfile, re.S).group(1).split()
packages = [p for p in packages if p != "\\"]
for p in packages:
    policy = subprocess.run(["apt-cache", "policy", p], capture_output=True, text=True).stdout
    check("Candidate:" in policy and "Candidate: (none)" not in policy, f"a Debian 12 package: {p}")
check("--config=release" not in dockerfile or "build:release" in open(".bazelrc").read(), "the release config exists")

for p in problems:
    print("FAIL", p)
print(f"deploy_test: {len(problems)} problems")
sys.exit(1 if problems else 0)
