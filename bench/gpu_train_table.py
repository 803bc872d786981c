#!/usr/bin/python3
# The table of bench/gpu_train.sh from the files it wrote in its out folder: per workload
# w<ID>.meta.json, w<ID>.yaml, w<ID>.nntrain.json (bench_train, one line per rep) and
# w<ID>.torch.json (bench/torch_gpu_train.py, one line per variant). Prints markdown.
# Usage: python3 bench/gpu_train_table.py OUT_DIR
import glob
import json
import math
import os
import re
import statistics
import sys


def lines(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
    return out


def nntrain_epoch(runs):
    """Median over reps of each rep's steady epoch (epochs 2..E; the loop when E is 1)."""
    per_rep = []
    for r in runs:
        e = r.get("epoch_seconds") or []
        per_rep.append(statistics.median(e[1:]) if len(e) > 1 else r["loop_seconds"] / max(r["epochs"], 1))
    return statistics.median(per_rep) if per_rep else math.nan


def fmt(v, digits=3):
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def mib(b):
    return "—" if not b else f"{b / 2**20:.0f}"


def row(out, wid):
    meta = json.load(open(f"{out}/w{wid}.meta.json"))
    cfg = open(f"{out}/w{wid}.yaml").read()
    n = lines(f"{out}/w{wid}.nntrain.json")
    t = {r["variant"]: r for r in lines(f"{out}/w{wid}.torch.json")}
    batch = re.search(r"batch_size: (\w+)", cfg).group(1)
    if n:
        steps = 1 if batch == "full" else math.ceil(n[0]["rows"] / int(batch))
    else:  # nntrain failed: PyTorch's count (same rows, same batch)
        steps = next((r["steps"] for r in t.values() if "steps" in r), math.nan)
    k = meta["issue_epochs"]
    ne = nntrain_epoch(n)
    ok = {v: r for v, r in t.items() if "failed" not in r}
    best = min(ok.values(), key=lambda r: r["epoch_seconds"]) if ok else None
    cuda = best is not None and best.get("device") != "cpu"
    ratio = ne / best["epoch_seconds"] if cuda and not math.isnan(ne) else None

    def tv(v):
        r = t.get(v)
        if r is None:
            return "—"
        return "failed" if "failed" in r else fmt(r["epoch_seconds"] * k)

    npeak = n[-1].get("gpu_peak_bytes") if n else None
    nloss = n[-1]["train_loss"] if n else None
    tloss = ok.get("eager", {}).get("train_loss")
    return (f"| {wid} | {meta['name']} | {steps} | {fmt(ne / steps * 1e6, 0)} | {fmt(ne * k)} | {tv('eager')} | "
            f"{tv('fused')} | {tv('graph')} | {best['variant'] if best else '—'} | {fmt(ratio, 2)} | "
            f"{mib(npeak)} | {mib(best.get('peak_bytes') if best else None)} | {fmt(nloss, 4)} / {fmt(tloss, 4)} |")


def main():
    out = sys.argv[1]
    ids = sorted((re.search(r"w(\d+)\.meta\.json$", p).group(1) for p in glob.glob(f"{out}/w*.meta.json")), key=int)
    if os.path.exists(f"{out}/header.txt"):
        print("".join("    " + l for l in open(f"{out}/header.txt")))
    print("| # | workload | steps/epoch | nntrain µs/step | nntrain s | PyTorch eager s | fused Adam s | CUDA graph s | "
          "PyTorch best | nntrain / best | nntrain peak GPU MiB | PyTorch peak MiB (best) | train loss nntrain / eager |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for wid in ids:
        print(row(out, wid))
    print("\nSeconds are per epoch, or for the whole run where the workload names its epochs (row 1). "
          "nntrain: the median of epochs 2..E of each rep (epoch 1 carries uploads and pipeline "
          "compilation). PyTorch: after a warm-up, the median of the timed reps. The ratio is "
          "printed only against PyTorch on CUDA.")


if __name__ == "__main__":
    main()
