"""Shared by the subprocess tests of `migra run`: what a run directory produced."""
import hashlib
import os


def outputs(out):
    """Every file under `out` with its SHA-256, except the run's own record: manifest.json, and
    index.md, which quotes its timings."""
    files = {}
    for root, _, names in os.walk(out):
        for nm in names:
            p = os.path.join(root, nm)
            rel = os.path.relpath(p, out)
            if rel not in ("manifest.json", "index.md"):
                files[rel] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return files
