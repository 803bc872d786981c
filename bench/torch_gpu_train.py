#!/usr/bin/python3
# The PyTorch side of bench/gpu_train.sh: one workload trained on CUDA the ways an expert would
# write it, each timed in this one process on the same data:
#   eager   nn.Sequential + Adam, data resident on the GPU, batches gathered by a GPU permutation,
#           the epoch's loss summed on the GPU (no per-step host sync: the fastest eager loop)
#   fused   the same with Adam(fused=True)
#   graph   the whole step (gather by a static index tensor, forward, loss, backward,
#           Adam(capturable=True) step, loss sum) captured once as a CUDA graph and replayed per
#           batch; a second graph for the epoch's last, shorter batch
# fp32 with TF32 off (PyTorch's default for matmul, set explicitly for cuDNN too).
#
# Usage: python3 bench/torch_gpu_train.py --data PREFIX --layers 256:relu,128:relu,10:softmax
#          --loss bce|cross_entropy --batch 128|full --epochs E [--no-shuffle] [--lr 0.001]
#          [--variants eager,fused,graph] [--reps R] [--max-steps S] [--cpu-smoke]
#   --data PREFIX   PREFIX.x.f32 / PREFIX.y.f32 / PREFIX.json, written by `bench_train CONFIG
#                   --dump PREFIX`: the training split exactly as nntrain trains on it
#   --max-steps S   time only the first S steps of each epoch and scale to the whole epoch
#                   (lavapipe-sized runs); the epoch's last batch is then a full one
#   --cpu-smoke     no GPU: runs eager, fused (where this torch fuses on the CPU) and the graph
#                   variant's feeding (static index tensors per batch size) with the step run
#                   eagerly instead of replayed, on the CPU, and checks that their losses agree
#                   (the logic, not the speed; the capture itself needs CUDA)
# Prints one JSON line per variant: variant, seconds per epoch (median of --reps timed runs
# after a warm-up), us_per_step, steps, train_loss (mean loss of the first rep's last epoch),
# peak_bytes (torch.cuda.max_memory_allocated, data included), device, torch, cuda.
import argparse
import json
import math
import statistics
import sys
import time

import torch
from torch import nn

ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": None, "softmax": None, "identity": None}
WARMUP_STEPS = 3  # as PyTorch's CUDA-graph recipe: a few steps on a side stream before capture


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--layers", required=True)
    p.add_argument("--loss", required=True, choices=["bce", "cross_entropy", "mse"])
    p.add_argument("--batch", default="32")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--no-shuffle", action="store_true")
    p.add_argument("--variants", default="eager,fused,graph")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--cpu-smoke", action="store_true")
    return p.parse_args()


def load(prefix, device, loss):
    with open(prefix + ".json") as f:
        meta = json.load(f)
    rows, xc, yc = meta["rows"], meta["x_cols"], meta["y_cols"]
    x = torch.from_file(prefix + ".x.f32", size=rows * xc, dtype=torch.float32).view(rows, xc)
    y = torch.from_file(prefix + ".y.f32", size=rows * yc, dtype=torch.float32).view(rows, yc)
    if loss == "cross_entropy":
        y = y[:, 0].to(torch.int64)  # class indices
    return x.to(device).contiguous(), y.to(device).contiguous()


def build(a, in_features, device):
    torch.manual_seed(a.seed)
    mods, width = [], in_features
    for spec in a.layers.split(","):
        units, act = spec.split(":")
        mods.append(nn.Linear(width, int(units)))
        if ACT[act] is not None:
            mods.append(ACT[act]())
        width = int(units)
    model = nn.Sequential(*mods).to(device)  # the last activation is fused into the loss (logits)
    loss_fn = {"bce": nn.BCEWithLogitsLoss, "cross_entropy": nn.CrossEntropyLoss, "mse": nn.MSELoss}[a.loss]()
    return model, loss_fn


def batches(n, batch, max_steps):
    """(start, size) of each timed step of an epoch."""
    out = [(i, min(batch, n - i)) for i in range(0, n, batch)]
    return out[:max_steps] if max_steps else out


class Run:
    """One variant: its model, optimizer and step; epoch() runs one timed epoch."""

    def __init__(self, a, variant, x, y, device):
        self.a, self.variant, self.x, self.y, self.device = a, variant, x, y, device
        self.n = x.shape[0]
        self.batch = self.n if a.batch == "full" else int(a.batch)
        self.model, self.loss_fn = build(a, x.shape[1], device)
        kw = {}
        if variant == "fused":
            kw["fused"] = True
        if variant == "graph" and device.type == "cuda":
            kw["capturable"] = True
        self.opt = torch.optim.Adam(self.model.parameters(), lr=a.lr, **kw)
        self.gen = torch.Generator(device=device)
        self.gen.manual_seed(a.seed)
        self.loss_sum = torch.zeros((), device=device)
        self.graphs = {}  # batch size -> (CUDAGraph, static index tensor)

    def perm(self):
        if self.a.no_shuffle:
            return torch.arange(self.n, device=self.device)
        return torch.randperm(self.n, device=self.device, generator=self.gen)

    def step(self, idx):
        """One training step on rows idx (a GPU index tensor); adds the batch's loss sum."""
        xb, yb = self.x.index_select(0, idx), self.y.index_select(0, idx)
        loss = self.loss_fn(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        self.loss_sum.add_(loss.detach() * idx.shape[0])
        return loss

    def eager_step(self, idx):
        self.opt.zero_grad(set_to_none=True)
        self.step(idx)

    def warmup(self, order):
        """WARMUP_STEPS steps on the first batches, identical in every variant (so the variants'
        losses can be compared); for graph on CUDA on a side stream, as capture requires."""
        steps = [order[s: s + size] for s, size in batches(self.n, self.batch, WARMUP_STEPS)]
        if self.variant == "graph" and self.device.type == "cuda":
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for idx in steps:
                    self.eager_step(idx)
            torch.cuda.current_stream().wait_stream(side)
        else:
            for idx in steps:
                self.eager_step(idx)
        self.loss_sum.zero_()

    def graph_for(self, size):
        """The step for batches of `size` rows: (run, its static index tensor). On CUDA, run
        replays the captured step; on the CPU (--cpu-smoke) it runs the same step eagerly on
        the same static index tensor, so the feeding logic is checked where capture is not."""
        if size not in self.graphs:
            static_idx = torch.zeros(size, dtype=torch.int64, device=self.device)
            if self.device.type != "cuda":
                self.graphs[size] = (lambda: self.eager_step(static_idx), static_idx)
                return self.graphs[size]
            # Gradients are allocated inside the capture (from the graph's private pool), so
            # backward writes them instead of adding to tensors from outside the graph; the
            # replay then overwrites them, as zero_grad + backward would.
            self.opt.zero_grad(set_to_none=True)
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                self.step(static_idx)
            self.graphs[size] = (g.replay, static_idx)
        return self.graphs[size]

    def epoch(self):
        order = self.perm()
        steps = batches(self.n, self.batch, self.a.max_steps)
        for s, size in steps:
            if self.variant == "graph":
                run, static_idx = self.graph_for(size)
                static_idx.copy_(order[s: s + size])
                run()
            else:
                self.eager_step(order[s: s + size])
        rows = sum(size for _, size in steps)
        return rows, len(steps)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def run_variant(a, variant, x, y, device):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()  # the peak from here on: the data, already resident, included
    r = Run(a, variant, x, y, device)
    r.warmup(r.perm())
    if variant == "graph":  # capture both batch sizes (full and the epoch's last) before timing
        for size in sorted({size for _, size in batches(r.n, r.batch, a.max_steps)}):
            r.graph_for(size)
    times, loss, steps = [], float("nan"), 0
    for _ in range(a.reps):
        t0 = time.perf_counter()
        for _ in range(a.epochs):
            r.loss_sum.zero_()
            rows, steps = r.epoch()
        sync(device)
        times.append((time.perf_counter() - t0) / a.epochs)
        if math.isnan(loss):  # the first rep's last epoch: later reps train the same model further
            loss = r.loss_sum.item() / rows
    full_steps = len(batches(r.n, r.batch, 0))
    epoch_s = statistics.median(times) * full_steps / steps  # scaled when --max-steps cut the epoch
    return {
        "variant": variant,
        "epoch_seconds": epoch_s,
        "us_per_step": epoch_s / full_steps * 1e6,
        "steps": full_steps,
        "timed_steps": steps,
        "train_loss": loss,
        "peak_bytes": torch.cuda.max_memory_allocated() if device.type == "cuda" else None,
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }


def main():
    a = parse()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if a.cpu_smoke:
        device = torch.device("cpu")
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    else:
        print("torch_gpu_train.py: this torch has no CUDA device (use --cpu-smoke to check the script on the CPU)",
              file=sys.stderr)
        return 3
    x, y = load(a.data, device, a.loss)
    results = []
    for v in a.variants.split(","):
        try:
            res = run_variant(a, v, x, y, device)
        except (RuntimeError, ValueError) as e:  # e.g. fused Adam on a CPU-only torch
            res = {"variant": v, "failed": str(e).splitlines()[0][:200]}
        results.append(res)
        print(json.dumps(res), flush=True)
    if a.cpu_smoke:
        return smoke_check(results)
    return 0


def smoke_check(results):
    """Every variant that ran trained the same model from the same seed on the same batches:
    their losses must agree (fused Adam within its rounding)."""
    ok = [r for r in results if "failed" not in r]
    base = next((r for r in ok if r["variant"] == "eager"), None)
    bad = 0
    for r in ok:
        if base is None or not math.isfinite(r["train_loss"]):
            bad += 1
            continue
        rel = abs(r["train_loss"] - base["train_loss"]) / max(abs(base["train_loss"]), 1e-12)
        if rel > 1e-4:
            print(f"torch_gpu_train.py: {r['variant']} loss {r['train_loss']} differs from eager "
                  f"{base['train_loss']} (relative {rel:.2e})", file=sys.stderr)
            bad += 1
    if not any(r["variant"] == "graph" for r in ok):
        print("torch_gpu_train.py: the graph variant's step did not run", file=sys.stderr)
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
