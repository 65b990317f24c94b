#!/usr/bin/env python3
"""kill -9 a running `migra run` at several points, resume it, and require outputs that are
byte-identical to an uninterrupted run (and a manifest whose checksums match them).

usage: kill_resume.py MIGRA_BINARY WORK_DIR
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_outputs import outputs  # noqa: E402

migra, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

rng = random.Random(11)
n = 700
with open(os.path.join(work, "sites.csv"), "w") as f:
    f.write("id,population,x,y\n")
    for i in range(n):
        f.write(f"s{i},{rng.randint(100, 100000)},{rng.uniform(0, 500):.6f},{rng.uniform(0, 500):.6f}\n")

tasks = [
    ("gravity", 'model = "gravity"\nbeta = 0.01\ncsv = "always"'),
    ("radiation", 'model = "radiation"\ncsv = "always"'),
    ("io", 'model = "io"\ncsv = "always"'),
    ("two-trip", 'model = "two-trip"\nbeta = 0.01\ngamma = 0.02\ncsv = "always"'),
    ("fit-gravity", 'model = "gravity"\nobserved = "@radiation/flows.csv"\ncsv = "always"'),
    ("doubly", 'model = "gravity"\nconstraint = "doubly"\nbeta = 0.01\nobserved = "@gravity/flows.csv"\ncsv = "never"'),
    ("fit-io", 'model = "io"\nobserved = "@fit-gravity/flows.csv"\ncsv = "always"'),
]
with open(os.path.join(work, "job.toml"), "w") as f:
    for name, body in tasks:
        f.write(f'[tasks.{name}]\nkind = "flows"\nsites = "sites.csv"\n{body}\n\n')
    # a long task that checkpoints: a resume continues it rather than starting again
    f.write('[tasks.ensemble]\nkind = "ensemble"\nmodel = "two-trip"\nmaps = 6\nsites = 600\nsteps = 1600\n'
            'score-every = 4\nreference = "sites.csv"\nseed = 3\n')
job = os.path.join(work, "job.toml")


def run(out, args=()):
    return subprocess.Popen([migra, "run", job, "--out", out, "--progress", "none", "--workers", "2",
                             "--checkpoint-every", "0.1", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)




t0 = time.time()
ref = os.path.join(work, "reference")
p = run(ref)
err = p.communicate()[1]
total = time.time() - t0
if p.returncode != 0:
    sys.exit(f"reference run failed: {err.decode()}")
expected = outputs(ref)
print(f"reference: {len(expected)} files in {total:.2f} s")

failures = []
points = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]
for k, frac in enumerate(points):
    out = os.path.join(work, f"killed{k}")
    kills = [frac * total] + ([0.5 * total * (1 - frac)] if k % 2 else [])  # odd cases: kill the resume too
    for delay in kills:
        p = run(out)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()
    p = run(out)
    err = p.communicate()[1].decode()
    if p.returncode != 0:
        failures.append(f"kill at {frac:.2f}: resume failed: {err}")
        continue
    got = outputs(out)
    man = json.load(open(os.path.join(out, "manifest.json")))
    last = man["last_run"]
    step = man["tasks"]["ensemble"]["result"].get("resumed_from_step", 0)
    if got != expected:
        diff = sorted(set(got.items()) ^ set(expected.items()))
        failures.append(f"kill at {frac:.2f}: outputs differ: {diff[:4]}")
    for name, rec in man["tasks"].items():
        for f, info in rec["outputs"].items():
            if got.get(os.path.join(name, f)) != info["sha256"]:
                failures.append(f"kill at {frac:.2f}: manifest checksum of {name}/{f} does not match")
    print(f"kill -9 at {frac:.2f} x {total:.2f} s ({len(kills)} kill(s)): resumed with "
          f"{last['skipped']} task(s) up to date, {last['done']} re-run"
          + (f", the ensemble continued from step {step}" if step else "") + f"; outputs identical: {got == expected}")

# A kill aimed at the long task: as soon as its first checkpoint exists.
out = os.path.join(work, "killed-at-checkpoint")
p = run(out)
ckpt = os.path.join(out, "ensemble", ".migra-checkpoint")
deadline = time.time() + 5 * total
while not os.path.exists(ckpt) and p.poll() is None and time.time() < deadline:
    time.sleep(0.01)
if p.poll() is None:
    p.send_signal(signal.SIGKILL)
p.wait()
p = run(out)
p.communicate()
man = json.load(open(os.path.join(out, "manifest.json")))
step = man["tasks"]["ensemble"]["result"].get("resumed_from_step", 0)
print(f"kill -9 at the ensemble's first checkpoint: the resume continued from step {step}; "
      f"outputs identical: {outputs(out) == expected}")
if outputs(out) != expected:
    failures.append("kill at the checkpoint: outputs differ")
if step <= 0:
    failures.append("the resumed ensemble did not continue from its checkpoint")


def kill_at_first_checkpoint(name, cmd, kind, resume_key, unit):
    """Runs `cmd` to a reference, then again killed -9 as soon as its first checkpoint exists,
    resumes it, and requires the resume to continue (result[resume_key] > 0) to the same outputs."""
    ref, out = os.path.join(work, name + "-ref"), os.path.join(work, name + "-killed")
    subprocess.run(cmd + ["--out", ref], check=True, stdout=subprocess.DEVNULL)
    p = subprocess.Popen(cmd + ["--out", out, "--checkpoint-every", "0.01"], stdout=subprocess.DEVNULL)
    ckpt = os.path.join(out, ".migra-checkpoint")
    deadline = time.time() + 60
    while not os.path.exists(ckpt) and p.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
    p.wait()
    subprocess.run(cmd + ["--out", out], check=True, stdout=subprocess.DEVNULL)
    resumed = json.load(open(os.path.join(out, "manifest.json")))["tasks"][kind]["result"].get(resume_key, 0)
    got, want = outputs(out), outputs(ref)
    print(f"kill -9 at {kind}'s first checkpoint: resumed at {unit} {resumed}; outputs identical: {got == want}")
    if got != want:
        failures.append(f"{kind}: the resumed run's outputs differ: {sorted(set(got.items()) ^ set(want.items()))[:4]}")
    if resumed <= 0:
        failures.append(f"{kind}: the resumed run did not continue from its checkpoint")


# settle.fit: a bootstrap continues from its last chunk of replicates.
city = os.path.join(work, "settle-city")
subprocess.run([migra, "settle", "synth", "--layouts", "random", "--side", "12", "--progress", "none", "--out", city],
               check=True, stdout=subprocess.DEVNULL)
kill_at_first_checkpoint("settle", [migra, "settle", "fit", "--units", os.path.join(city, "units.csv"), "--flows",
                                    os.path.join(city, "flows.csv"), "--model", "spatial", "--bootstrap", "3000",
                                    "--progress", "none"], "settle.fit", "resumed_from_replicate", "replicate")
# The LibTorch models, where this build has LibTorch. Without it those two checks are left out
# with a notice, and the rest still counts.
has_torch = "without LibTorch" not in subprocess.run([migra, "info"], capture_output=True, text=True).stdout
if not has_torch:
    print("left out: pinn.fit and gnn.train, because this build has no LibTorch")
# pinn.fit: a PINN continues from its last saved epoch (model and optimiser) to the same model.
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "pinn_us51")
keep = [l for l in open(os.path.join(src, "nodes.csv"))][:5]
with open(os.path.join(work, "pinn-nodes.csv"), "w") as f:
    f.writelines(keep)
ids = {l.split(",")[0] for l in keep[1:]}
with open(os.path.join(work, "pinn-balances.csv"), "w") as f:
    f.writelines([l for k, l in enumerate(open(os.path.join(src, "balances.csv"))) if k == 0 or l.split(",")[0] in ids])
if has_torch:
    kill_at_first_checkpoint("pinn", [migra, "pinn", "fit", "--nodes", os.path.join(work, "pinn-nodes.csv"), "--balances",
                                      os.path.join(work, "pinn-balances.csv"), "--epochs", "400", "--width", "16",
                                      "--progress", "none"], "pinn.fit", "resumed_at_epoch", "epoch")
# gnn.train: a GraphSAGE ensemble continues from its last saved step (weights, the kept best
# weights, Adam's moments, the log) to the same model; dropout masks are seeded per step.
ny = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "ny2011")
if has_torch:
    kill_at_first_checkpoint("gnn", [migra, "gnn", "train", "--nodes", os.path.join(ny, "counties.csv"), "--flows",
                                     os.path.join(ny, "commuting_flows.csv"), "--steps", "300", "--val-every", "10",
                                     "--hidden", "16", "--repeats", "2", "--mlp-epochs", "3", "--progress", "none"],
                             "gnn.train", "resumed_at_step", "step")
# mfg: a Picard solve continues from its last iteration (masses, residuals, damping stage,
# Sinkhorn warm start) to the same densities.
data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
kill_at_first_checkpoint("mfg", [migra, "mfg", "--network", os.path.join(data, "networks", "theta.net"), "--config",
                                 os.path.join(data, "mfg", "test2-linear.toml"), "--max-iter", "12", "--progress", "none"],
                         "mfg", "resumed_at_iteration", "iteration")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("all resumed runs are byte-identical to the uninterrupted one")
