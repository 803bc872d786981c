#!/usr/bin/python3
# The PyTorch side of bench/run.sh: the same MLP, loss, Adam, batch size, epochs and data as an
# `nntrain fit` workload, written the way a PyTorch user would (pandas CSV, nn.Sequential).
# Not a reference for numbers (tests/fixtures has those); only timed.
#
# Usage: /usr/bin/python3 bench/torch_train.py --csv F --target label --layers 64:relu,32:relu,1:sigmoid
#          --loss bce|cross_entropy --batch 128|full --epochs E --threads T [--no-shuffle] [--val 0.2]
# OPENBLAS_NUM_THREADS must be set by the caller (Debian's torch runs Linear on OpenBLAS).
# Prints one JSON line: load_seconds (CSV to tensors), loop_seconds (the epochs), final loss.
import argparse
import json
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": None, "softmax": None, "identity": None}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--csv", required=True)
    p.add_argument("--target", default="label")
    p.add_argument("--layers", required=True)
    p.add_argument("--loss", required=True, choices=["bce", "cross_entropy"])
    p.add_argument("--batch", default="32")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--no-shuffle", action="store_true")
    p.add_argument("--val", type=float, default=0.0, help="fraction held out, evaluated after every epoch")
    p.add_argument("--max-rows", type=int, default=0, help="train on the first N rows only (--quick)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)

    t0 = time.perf_counter()
    df = pd.read_csv(a.csv)
    if a.max_rows:
        df = df.iloc[: a.max_rows]
    y_raw = df.pop(a.target)
    x = df.to_numpy(dtype=np.float32)
    if a.loss == "cross_entropy":
        classes, y_idx = np.unique(y_raw.to_numpy(), return_inverse=True)
        y = torch.from_numpy(y_idx.astype(np.int64))
    else:
        y = torch.from_numpy(y_raw.to_numpy(dtype=np.float32).reshape(-1, 1))
    n = x.shape[0]
    n_val = int(round(n * a.val))
    perm = np.random.default_rng(42).permutation(n) if n_val else np.arange(n)
    x, yv = x[perm], y[torch.from_numpy(perm)]
    mean = x[n_val:].mean(axis=0)
    std = x[n_val:].std(axis=0)
    std[std == 0] = 1.0
    x = torch.from_numpy((x - mean) / std)
    x_val, y_val, x, y = x[:n_val], yv[:n_val], x[n_val:].contiguous(), yv[n_val:].contiguous()
    load_seconds = time.perf_counter() - t0

    mods, width = [], x.shape[1]
    for spec in a.layers.split(","):
        units, act = spec.split(":")
        mods.append(nn.Linear(width, int(units)))
        if ACT[act] is not None:
            mods.append(ACT[act]())
        width = int(units)
    model = nn.Sequential(*mods)  # last activation fused into the loss (logits out)
    loss_fn = nn.BCEWithLogitsLoss() if a.loss == "bce" else nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    n = x.shape[0]
    batch = n if a.batch == "full" else int(a.batch)

    t0 = time.perf_counter()
    for _ in range(a.epochs):
        model.train()
        total = 0.0
        if batch >= n and a.no_shuffle:
            batches = [(x, y)]
        elif a.no_shuffle:
            batches = ((x[i : i + batch], y[i : i + batch]) for i in range(0, n, batch))
        else:
            order = torch.randperm(n)
            batches = ((x[idx], y[idx]) for idx in order.split(batch))
        for xb, yb in batches:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        if n_val:
            model.eval()
            with torch.no_grad():
                val_loss = loss_fn(model(x_val), y_val).item()
    loop_seconds = time.perf_counter() - t0
    print(json.dumps({"load_seconds": load_seconds, "loop_seconds": loop_seconds, "train_loss": total / n,
                      "rows": n, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "since_start_seconds": time.perf_counter() - T_START}))


if __name__ == "__main__":
    main()
