#!/usr/bin/python3
# cuBLAS's side of bench/gpu_gemm: PyTorch's fp32 matmul (TF32 off, PyTorch's default for
# matmul) on the shapes of bench/gpu_gemm_shapes.txt, same transposes (op(A) as a transposed
# view, so cuBLAS gets the transpose flag, not a copy), beta = 0 (torch.mm(out=)).
# Not a test: it prints numbers and asserts nothing.
#
# Usage: /usr/bin/python3 bench/gpu_gemm_torch.py [--quick] [--only w5,big] [--trial-ms 20]
#                                                  [--device cuda|cuda:N|cpu]
#   --quick   every side above 16 divided by 16, as gpu_gemm --quick (checks that it runs)
#
# Rows "workload product trans M N K µs TFLOP/s eager_µs": µs is cuBLAS inside a CUDA graph
# (reps products captured once and replayed: kernel time without PyTorch's launch overhead,
# like gpu_gemm's dependent dispatches in one command buffer); eager_µs the same products
# launched one by one, timed with CUDA events. Median of 3 trials of --trial-ms. On the CPU
# (--device cpu) both columns are host-timed eager products. Feed the output to
# gpu_gemm --torch FILE to print ours beside it.
import argparse
import os
import statistics
import time

import torch

SHAPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpu_gemm_shapes.txt")


def read_shapes(only, quick):
    shapes = []
    with open(SHAPES) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            w, p, t, m, n, k = line.split()
            if only and w not in only:
                continue
            m, n, k = (int(x) for x in (m, n, k))
            if quick:  # as gpu_gemm's quick_side
                m, n, k = ((d if d <= 16 else (d + 15) // 16) for d in (m, n, k))
            shapes.append((w, p, t, m, n, k))
    return shapes


def operands(t, m, n, k, dev):
    # op(A) [m, k], op(B) [k, n]; a transposed operand is the .t() view of its stored layout
    a = torch.randn(k, m, device=dev).t() if t[0] == "T" else torch.randn(m, k, device=dev)
    b = torch.randn(n, k, device=dev).t() if t[1] == "T" else torch.randn(k, n, device=dev)
    return a, b, torch.empty(m, n, device=dev)


def eager_seconds(a, b, c, reps, cuda):
    if not cuda:
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b, out=c)
        return time.perf_counter() - t0
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        torch.mm(a, b, out=c)
    end.record()
    end.synchronize()
    return start.elapsed_time(end) * 1e-3


def graph_seconds(a, b, c, reps, trials):
    """Seconds of each of `trials` replays of one CUDA graph of `reps` products."""
    side = torch.cuda.Stream()  # warm-up off the capture stream, as torch.cuda.graphs asks
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            torch.mm(a, b, out=c)
    torch.cuda.current_stream().wait_stream(side)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps):
            torch.mm(a, b, out=c)
    g.replay()  # the first replay uploads the graph
    torch.cuda.synchronize()
    out = []
    for _ in range(trials):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        g.replay()
        end.record()
        end.synchronize()
        out.append(start.elapsed_time(end) * 1e-3)
    return out


def us_per_product(a, b, c, trial_s, cuda):
    eager_seconds(a, b, c, 2, cuda)  # warm-up: cuBLAS handle, heuristics
    est = eager_seconds(a, b, c, 3, cuda) / 3
    reps = int(min(5000, max(3, trial_s / max(est, 1e-7))))
    eager = statistics.median(eager_seconds(a, b, c, reps, cuda) / reps for _ in range(3))
    if not cuda:
        return eager * 1e6, eager * 1e6
    try:
        graph = statistics.median(graph_seconds(a, b, c, reps, 3)) / reps
    except RuntimeError as e:  # keep the eager numbers rather than lose the run
        print(f"# CUDA graph failed ({e}); µs column = eager", flush=True)
        graph = eager
    return graph * 1e6, eager * 1e6


def main():
    ap = argparse.ArgumentParser(description="cuBLAS fp32 GEMM times for bench/gpu_gemm")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="", help="workloads, comma-separated (w1,w3,...,big)")
    ap.add_argument("--trial-ms", type=float, default=None)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    trial_s = (a.trial_ms if a.trial_ms else (5 if a.quick else 20)) * 1e-3
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    torch.backends.cuda.matmul.allow_tf32 = False  # PyTorch's default, stated
    torch.manual_seed(1)
    name = torch.cuda.get_device_name(dev) if cuda else "cpu"
    cuda_v = f", CUDA {torch.version.cuda}" if cuda else ""
    print(f"# cuBLAS via PyTorch {torch.__version__}{cuda_v} on {name}, fp32, TF32 "
          f"{'on' if torch.backends.cuda.matmul.allow_tf32 else 'off'}{', --quick' if a.quick else ''}; "
          f"µs per product, median of 3 trials of {trial_s * 1e3:.0f} ms")
    print(f"{'wl':4} {'prod':4} {'tr':2} {'M':>5} {'N':>5} {'K':>5} {'µs':>10} {'TFLOP/s':>8} {'eager_µs':>10}")
    only = set(x for x in a.only.split(",") if x)
    t0 = time.perf_counter()
    for w, p, t, m, n, k in read_shapes(only, a.quick):
        x = operands(t, m, n, k, dev)
        us, eager_us = us_per_product(*x, trial_s, cuda)
        print(f"{w:4} {p:4} {t:2} {m:5d} {n:5d} {k:5d} {us:10.1f} {2.0 * m * n * k / us * 1e-6:8.3f} {eager_us:10.1f}",
              flush=True)
    print(f"# {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
