#!/usr/bin/env python3
"""`mpirun -np 2 migra run JOB` must write the same outputs as `migra run JOB`, with tasks run
on both ranks and an ensemble's maps split over them; an ensemble killed under MPI resumes to
the same bytes; bad input under MPI must exit 2 with one message. Skipped (77) when migra was
built without MPI or mpirun is missing.

usage: mpi_equivalence.py MIGRA_BINARY SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_outputs import outputs  # noqa: E402

migra, src, work = sys.argv[1:4]
info = subprocess.run([migra, "info"], capture_output=True, text=True).stdout
mpirun = shutil.which("mpirun")
if "MPI:           built" not in info or not mpirun:
    print("skipped: migra built without MPI, or no mpirun")
    sys.exit(77)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1")
mpi = [mpirun, "-np", "2"]

# The main job plus an ensemble, whose maps both ranks share, and a batch of independent
# tasks after it, so that both ranks get work. They wait for the ensemble, which needs rank 1,
# so rank 1 has said hello before they are queued: otherwise, on a loaded machine, rank 0's
# own workers could finish them all while rank 1 is still starting.
job = os.path.join(work, "job.toml")
with open(os.path.join(src, "data/jobs/ny2011.toml")) as f:
    text = f.read().replace('"../ny2011/', '"' + os.path.join(src, "data/ny2011/"))
counties = os.path.join(src, "data/us2010/counties.csv")
text += (f'\n[tasks.ens]\nkind = "ensemble"\nmodel = "gravity"\nmaps = 5\nsites = 300\nsteps = 200\n'
         f'score-every = 3\nreference = "{counties}"\n')
for k in range(12):
    text += (f'\n[tasks.extra{k}]\nkind = "flows"\nmodel = "gravity"\nbeta = {0.01 + 0.005 * k}\n'
             f'sites = "{os.path.join(src, "data/ny2011/counties.csv")}"\nafter = ["ens"]\n')
with open(job, "w") as f:
    f.write(text)




def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr


failures = []
rc1, log1 = run([migra, "run", job, "--out", os.path.join(work, "single"), "--progress", "none"])
rc2, log2 = run(mpi + [migra, "run", job, "--out", os.path.join(work, "mpi"), "--progress", "none"])
if rc1 != 0 or rc2 != 0:
    sys.exit(f"runs failed:\n{log1}\n{log2}")
single, multi = outputs(os.path.join(work, "single")), outputs(os.path.join(work, "mpi"))
if single != multi:
    failures.append(f"outputs differ: {sorted(set(single.items()) ^ set(multi.items()))[:4]}")
man = json.load(open(os.path.join(work, "mpi", "manifest.json")))
ranks = sorted({t.get("rank", 0) for t in man["tasks"].values()})
print(f"{len(single)} output files identical: {single == multi}; tasks ran on ranks {ranks}")
if ranks != [0, 1]:
    failures.append(f"expected tasks on ranks 0 and 1, got {ranks}")
if man.get("mpi_ranks") != 2:
    failures.append("manifest does not record 2 MPI ranks")
ens = man["tasks"]["ens"]
print(f"ensemble ran on: {ens['device']}")
if ens["result"].get("mpi_ranks") != 2 or "2 ranks" not in ens["device"]:
    failures.append(f"the ensemble's maps were not split over the 2 ranks: {ens['device']}, {ens['result']}")

# Resume under MPI: everything up to date.
rc, log = run(mpi + [migra, "run", job, "--out", os.path.join(work, "mpi"), "--progress", "none"])
if rc != 0 or "0 done, 20 up to date" not in log:
    failures.append(f"MPI resume did not skip everything:\n{log}")

# A one-task CLI command under MPI, and bad input under MPI.
rc, log = run(mpi + [migra, "flows", "--model", "radiation", "--sites", os.path.join(src, "data/ny2011/counties.csv"),
                     "-q", "--out", os.path.join(work, "cli")])
if rc != 0 or not os.path.exists(os.path.join(work, "cli", "flows.npy")):
    failures.append(f"migra flows under MPI failed:\n{log}")
# kill -9 of an ensemble split over 3 ranks once it has checkpointed; the resumed run ends
# with the bytes of one uninterrupted process (3 ranks for 4 maps: uneven shares). The ranks
# have their own process groups and outlive the killed mpirun by a second or so: the resumed
# run waits for them (io::DirectoryLock) rather than work beside them.
ens_args = ["ensemble", "--model", "radiation", "--maps", "4", "--sites", "600", "--steps", "1500", "--reference",
            counties, "--checkpoint-every", "0.01", "-q"]
rc, log = run([migra] + ens_args + ["--out", os.path.join(work, "ens_single")])
if rc != 0:
    sys.exit(f"single-process ensemble failed:\n{log}")
killed = os.path.join(work, "ens_killed")
proc = subprocess.Popen([mpirun, "-np", "3"] + [migra] + ens_args + ["--out", killed], env=env, start_new_session=True,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + 120
while not os.path.exists(os.path.join(killed, ".migra-checkpoint")) and proc.poll() is None and time.time() < deadline:
    time.sleep(0.05)
time.sleep(0.3)
os.killpg(proc.pid, signal.SIGKILL)
proc.wait()
rc, log = run([mpirun, "-np", "3", migra] + ens_args + ["--out", killed])
resumed = json.load(open(os.path.join(killed, "manifest.json")))["tasks"]["ensemble"]["result"].get("resumed_from_step", 0)
whole, cut = outputs(os.path.join(work, "ens_single")), outputs(killed)
same = whole == cut
print(f"ensemble killed under mpirun -np 3, resumed at step {resumed}: outputs identical {same}")
if rc != 0 or not same or resumed <= 0:
    differ = sorted(k for k in set(whole) | set(cut) if whole.get(k) != cut.get(k))
    failures.append(f"killed MPI ensemble: rc {rc}, resumed at {resumed}, identical {same}; differing outputs {differ}\n{log}")

bad = os.path.join(work, "bad.toml")
with open(bad, "w") as f:
    f.write('[tasks.a]\nkind = "teleport"\n')
rc, log = run(mpi + [migra, "run", bad, "--out", os.path.join(work, "bad")])
if rc != 2 or log.count("unknown kind") != 1 or os.path.exists(os.path.join(work, "bad")):
    failures.append(f"bad job under MPI: rc {rc}, output:\n{log}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("mpirun -np 2 is equivalent to one process")
