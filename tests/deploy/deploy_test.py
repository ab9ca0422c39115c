#!/usr/bin/python3
"""deploy/ holds what an operator applies: the sidecar manifest (ConfigMap, Secret, Deployment)
and the Dockerfile. They are checked here: the probes are native gRPC probes on grpc.health.v1
(liveness "", readiness "sluice.ready"), tokens come from the Secret, the ConfigMap's config is
one sluiced accepts and starts with, and the Dockerfile names files, targets and packages that
exist. (No Docker engine runs on the CI machine, so the image itself is not built here.)"""
import json
import os
import re
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
    docs = {d["kind"]: d for d in yaml.safe_load_all(f)}
check(set(docs) == {"ConfigMap", "Secret", "Deployment"}, f"kinds: {sorted(docs)}")
pod = docs["Deployment"]["spec"]["template"]["spec"]
containers = {c["name"]: c for c in pod["containers"]}
check(set(containers) == {"app", "sluiced"}, "an app container and a sluiced sidecar")
sidecar = containers["sluiced"]
check(sidecar["livenessProbe"]["grpc"] == {"port": 50051}, "liveness: a gRPC probe on the server (service \"\")")
check(sidecar["readinessProbe"]["grpc"] == {"port": 50051, "service": "sluice.ready"}, "readiness: sluice.ready")
env = {e["name"]: e for e in sidecar["env"]}
ref = env["SLUICE_TOKENS"]["valueFrom"]["secretKeyRef"]
check(ref["name"] == docs["Secret"]["metadata"]["name"] and ref["key"] in docs["Secret"]["stringData"],
      "SLUICE_TOKENS comes from the Secret")
check(sidecar["args"] == ["--config", "/etc/sluice/sluiced.json"], "sluiced reads the mounted config")
mounts = {m["name"]: m["mountPath"] for m in sidecar["volumeMounts"]}
check(mounts.get("config") == "/etc/sluice", "the ConfigMap is mounted at /etc/sluice")
app_env = {e["name"]: e.get("value") for e in containers["app"]["env"]}
check(app_env.get("SLUICE_ADDR") == "localhost:50051", "the app reaches the sidecar on localhost")
config = json.loads(docs["ConfigMap"]["data"]["sluiced.json"])
check(config["listen"].endswith(":50051"), "the config listens on the probed port")

# The ConfigMap's config, as sluiced reads it: accepted, and a server starts with it (the
# cluster's addresses overridden by flags, which win over the file).
tmp = os.environ.get("TEST_TMPDIR", tempfile.gettempdir())
path = os.path.join(tmp, "sluiced.json")
with open(path, "w") as f:
    f.write(docs["ConfigMap"]["data"]["sluiced.json"])
check(subprocess.run(["server/sluiced", "--config", path, "--help"], capture_output=True).returncode == 0,
      "sluiced accepts the ConfigMap's config")
socket_dir = tempfile.mkdtemp(prefix="sluice-deploy-", dir="/tmp")
server = subprocess.Popen(
    ["server/sluiced", "--config", path, "--plugin-dir", "lib/plugins", "--listen", "127.0.0.1:0",
     "--unix-socket", os.path.join(socket_dir, "s.sock"), "--metrics-listen", "127.0.0.1:0", "--shutdown-delay", "0",
     "--database", "default=sqlite:" + os.path.join(tmp, "deploy.db"), "--tokens", "data:t,admin:u"],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
first, second = server.stdout.readline(), server.stdout.readline()
check(first.startswith("sluiced listening on 127.0.0.1:"), f"starts: {first!r}")
check(second.startswith("sluiced metrics on 127.0.0.1:"), f"serves metrics: {second!r}")
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
