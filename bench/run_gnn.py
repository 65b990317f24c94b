#!/usr/bin/python3
"""Paper 002's GraphSAGE: time per training step of `migra gnn train` (the R repeats batched as
one ensemble) against the same model in PyTorch eager trained one repeat after another
(bench/peers/sage_torch.py), same graphs, same machine, same run, 1 and 2 threads; and the
test CPC each reaches after the same number of steps. Graphs: data/synthetic366 (the paper's
size) and a 5,000-city system from `migra gnn synth --cities 5000`.
Writes bench/results/gnn-<tag>.json (every line) and .md (the table).
With --accuracy-steps N it also trains one repeat N steps on synthetic366 on both sides and
reports when each first reaches --target-cpc on its validation records, and where each ends;
--accuracy-big does the same on the 5,000-city graph.
--device cuda runs migra and the peers on the GPU. Where PyTorch Geometric is installed (our GPU
hosts) its MessagePassing version of the model is a peer too; the speed-up is against the
fastest peer.
usage: run_gnn.py [--build build] [--steps 20] [--big-steps 4] [--repeats 10] [--threads 1,2]
                  [--accuracy-steps 0] [--accuracy-big] [--accuracy-big-steps N] [--accuracy-threads 2]
                  [--target-cpc 0.7] [--target-cpc-big C] [--device cpu] [--python python3]
                  [--tag cpu-vm] [--out bench/results]"""
import argparse
import json
import os
import platform
import subprocess
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--build", default="build")
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--big-steps", type=int, default=4)
ap.add_argument("--repeats", type=int, default=10)
ap.add_argument("--big-repeats", type=int, default=2)
ap.add_argument("--threads", default="1,2")
ap.add_argument("--tag", default="cpu-vm")
ap.add_argument("--accuracy-steps", type=int, default=0, help="also train 1 repeat this long on synthetic366, both sides")
ap.add_argument("--accuracy-big", action="store_true", help="the accuracy run on the 5,000-city graph too")
ap.add_argument("--accuracy-big-steps", type=int, default=0, help="its steps (default: --accuracy-steps)")
ap.add_argument("--accuracy-threads", type=int, default=2, help="threads of both sides in the accuracy runs")
ap.add_argument("--target-cpc", type=float, default=0.7, help="validation CPC whose first crossing times the accuracy run")
ap.add_argument("--target-cpc-big", type=float, default=0.0, help="the target on the 5,000-city graph (default: --target-cpc)")
ap.add_argument("--device", default="cpu", help="cpu or cuda (migra and the peers)")
ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter with torch for the peers")
ap.add_argument("--out", default=None, help="results folder (default bench/results)")
args = ap.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = args.out or os.path.join(root, "bench", "results")
peer_script = os.path.join(root, "bench", "peers", "sage_torch.py")
have_pyg = subprocess.run(
    [args.python, "-c", "import torch_geometric"], capture_output=True).returncode == 0
peer_flavours = [[]] + ([["--pyg"]] if have_pyg else [])
commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
migra = os.path.join(root, args.build, "host", "migra")
features = "population," + ",".join(f"F{k:02d}" for k in range(1, 20))


def run_migra(nodes, flows, steps, repeats, threads, out):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    subprocess.run([migra, "gnn", "train", "--nodes", nodes, "--flows", flows, "--features", features, "--steps", str(steps),
                    "--repeats", str(repeats), "--val-every", str(steps), "--mlp-epochs", "0", "--device", args.device,
                    "--out", out, "-q"],
                   check=True, env=env, capture_output=True)
    m = json.load(open(os.path.join(out, "metrics.json")))
    res = json.load(open(os.path.join(out, "manifest.json")))["tasks"]["gnn.train"]["result"]
    return {"impl": "migra (batched repeats)", "seconds_per_step": res["seconds_per_step"], "test_cpc": m["gnn"]["test"]["cpc"],
            "records": m["records"]}


def run_peer(nodes, flows, steps, repeats, threads, flavour):
    o = subprocess.run([args.python, peer_script, nodes, flows, "--steps", str(steps), "--repeats", str(repeats),
                        "--threads", str(threads), "--device", args.device, *flavour], capture_output=True, text=True,
                       check=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1")).stdout
    p = json.loads(o)
    return {"impl": p["peer"], "seconds_per_step": p["seconds_per_step"], "test_cpc": p["test_cpc"], "records": p["records"]}


lines = []
generated = tempfile.TemporaryDirectory()  # the 5,000-city graph, for the whole run
big = os.path.join(generated.name, "big")
subprocess.run([migra, "gnn", "synth", "--cities", "5000", "--seed", "7", "--out", big, "-q"], check=True)
small_graph = ("synthetic366", os.path.join(root, "data", "synthetic366", "nodes.csv"),
               os.path.join(root, "data", "synthetic366", "flows.csv"))
big_graph = ("synthetic5000", os.path.join(big, "nodes.csv"), os.path.join(big, "flows.csv"))
with tempfile.TemporaryDirectory() as tmp:
    graphs = [(*small_graph, args.steps, args.repeats), (*big_graph, args.big_steps, args.big_repeats)]
    for name, nodes, flows, steps, repeats in graphs:
        for th in [int(s) for s in args.threads.split(",")]:
            runs = [run_migra(nodes, flows, steps, repeats, th, os.path.join(tmp, f"{name}-{th}"))]
            runs += [run_peer(nodes, flows, steps, repeats, th, f) for f in peer_flavours]
            for r in runs:
                lines.append(dict(r, graph=name, threads=th, steps=steps, repeats=repeats, device=args.device))
            print(json.dumps(lines[-len(runs):]), flush=True)

def first_crossing(trace, target):
    return next((step for step, c in trace if c >= target), None)


def accuracy_run(graph, nodes, flows, steps, target):
    """One repeat, `steps` steps, on both sides: when each first reaches the target."""
    every = max(1, steps // 100)
    threads = str(args.accuracy_threads)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, OMP_NUM_THREADS=threads)
        subprocess.run([migra, "gnn", "train", "--nodes", nodes, "--flows", flows, "--features", features, "--steps",
                        str(steps), "--repeats", "1", "--val-every", str(every), "--keep", "final",
                        "--mlp-epochs", "0", "--device", args.device, "--out", tmp, "-q"], check=True, env=env,
                       capture_output=True)
        m = json.load(open(os.path.join(tmp, "metrics.json")))
        sps = json.load(open(os.path.join(tmp, "manifest.json")))["tasks"]["gnn.train"]["result"]["seconds_per_step"]
        import csv as _csv
        trace = [(int(r["step"]), float(r["val_cpc"])) for r in _csv.DictReader(open(os.path.join(tmp, "training.csv")))]
    o = subprocess.run([args.python, peer_script, nodes, flows, "--steps", str(steps), "--threads", threads,
                        "--cpc-every", str(every), "--device", args.device, *peer_flavours[-1]], capture_output=True,
                       text=True, check=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1")).stdout
    p = json.loads(o)
    for impl, s_per, tr, test_cpc in (("migra (batched repeats)", sps, trace, m["gnn"]["test"]["cpc"]),
                                      (p["peer"], p["seconds_per_step"], [tuple(x) for x in p["val_cpc_trace"]], p["test_cpc"])):
        hit = first_crossing(tr, target)
        lines.append({"impl": impl, "graph": graph, "threads": args.accuracy_threads, "device": args.device, "steps": steps, "repeats": 1,
                      "accuracy_run": True, "seconds_per_step": s_per, "test_cpc": test_cpc, "target_val_cpc": target, "val_cpc_trace": tr,
                      "steps_to_target": hit, "seconds_to_target": hit * s_per if hit else None,
                      "final_val_cpc": tr[-1][1] if tr else None})
    print(json.dumps(lines[-2:]), flush=True)


if args.accuracy_steps:
    accuracy_run(*small_graph, args.accuracy_steps, args.target_cpc)
    if args.accuracy_big:
        accuracy_run(*big_graph, args.accuracy_big_steps or args.accuracy_steps, args.target_cpc_big or args.target_cpc)

meta = {"commit": commit, "cpu": cpu, "date": subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()}
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, f"gnn-{args.tag}.json"), "w") as f:
    for l in lines:
        f.write(json.dumps(dict(l, **meta)) + "\n")
peer_names = list(dict.fromkeys(l["impl"] for l in lines if not l["impl"].startswith("migra") and not l.get("accuracy_run")))
md = ["# GraphSAGE (paper 002): time per training step, migra vs " + " and ".join(peer_names) + "\n",
      f"{meta['cpu']}, commit {commit}, {meta['date']}, device {args.device}. Hidden 256, pool aggregator, dropout 0.5, "
      "float32, full batch. One step = one Adam step of every repeat (migra: one batched step; a peer: one step per "
      "repeat). Test CPC after the same few steps (far from trained: the paper trains 10,000).\n",
      "| graph | records | repeats | threads | migra ms/step | " + " | ".join(f"{p} ms/step" for p in peer_names) +
      " | speed-up vs fastest peer | migra test CPC | " + " | ".join(f"{p} test CPC" for p in peer_names) + " |",
      "|---|---|---|---|---|" + "---|" * (2 * len(peer_names) + 2)]
for name in dict.fromkeys(l["graph"] for l in lines if not l.get("accuracy_run")):
    for th in sorted({l["threads"] for l in lines if l["graph"] == name and not l.get("accuracy_run")}):
        sel = [l for l in lines if l["graph"] == name and l["threads"] == th and not l.get("accuracy_run")]
        a = next(l for l in sel if l["impl"].startswith("migra"))
        peers = [next(l for l in sel if l["impl"] == p) for p in peer_names]
        fastest = min(p["seconds_per_step"] for p in peers)
        md.append(f"| {name} | {a['records']} | {a['repeats']} | {th} | {1e3*a['seconds_per_step']:.0f} | " +
                  " | ".join(f"{1e3*p['seconds_per_step']:.0f}" for p in peers) +
                  f" | {fastest/a['seconds_per_step']:.2f}x | {a['test_cpc']:.3f} | " +
                  " | ".join(f"{p['test_cpc']:.3f}" for p in peers) + " |")
acc = [l for l in lines if l.get("accuracy_run")]
if acc:
    md += ["", f"Accuracy runs: 1 repeat, {acc[0]['threads']} thread(s) each side, the paper's hyper-parameters "
           "(each side its own split of the records, seeded).", "",
           "| graph | impl | steps | ms/step | target val CPC | steps to it | seconds to it | final val CPC | test CPC |",
           "|---|---|---|---|---|---|---|---|---|"]
    for l in acc:
        to = f"{l['seconds_to_target']:.1f}" if l["seconds_to_target"] is not None else "not reached"
        md.append(f"| {l['graph']} | {l['impl']} | {l['steps']} | {1e3*l['seconds_per_step']:.1f} | {l['target_val_cpc']} | "
                  f"{l['steps_to_target'] or '-'} | {to} | "
                  f"{l['final_val_cpc']:.3f} | {l['test_cpc']:.3f} |")
open(os.path.join(out_dir, f"gnn-{args.tag}.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
