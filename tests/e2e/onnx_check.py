#!/usr/bin/env python3
"""Checks `nntrain export` files against `nntrain predict`, case by case.

For each case (an .onnx file, the CSV it was run on, predict's CSV for it):
  onnx   onnx.checker.check_model(full_check=True), strict shape inference, the declared shapes
         (symbolic batch N), opsets, value_info of the encoders, and that onnx re-serialises
         the file to the same bytes (our protobuf writer writes what protobuf writes);
  numpy  a small evaluator of the graph's operators, in float32, against predict's outputs;
  ort    the same comparison in ONNX Runtime, where it is importable.
Every runtime runs the whole CSV as one batch (N rows) and every row alone (batch 1). Labels
must equal predict's; probabilities within 1e-5; regression values within 1e-5 relative
(1e-5 absolute below 1). One line per case and runtime; exit 1 on any mismatch.

Usage: onnx_check.py [--require-onnx] [--require-ort] --case NAME ONNX DATA PREDICTIONS ...
Needs numpy; onnx for the first two parts, onnxruntime for the third (each skipped, with a
line saying so, when missing and not required).
"""
import csv
import json
import math
import sys

try:
    import numpy as np
except ImportError:
    sys.exit("onnx_check: python module numpy missing for " + sys.executable +
             " (Debian: apt-get install python3-numpy; scripts/deps.sh installs it)")

TOL = 1e-5


def parse_args(argv):
    opts = {"require_onnx": False, "require_ort": False, "cases": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--require-onnx":
            opts["require_onnx"] = True
        elif a == "--require-ort":
            opts["require_ort"] = True
        elif a == "--case" and i + 4 < len(argv):
            opts["cases"].append(argv[i + 1:i + 5])
            i += 4
        else:
            sys.exit("usage: onnx_check.py [--require-onnx] [--require-ort] --case NAME ONNX DATA PREDICTIONS ...")
        i += 1
    return opts


# ---- inputs and expected outputs from the CSV files ----

def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], [r for r in rows[1:] if r]


def feeds_from_csv(meta, path):
    """The graph's inputs for every row of the CSV: numeric features as float32, each
    categorical column as strings (trimmed, as nntrain reads them)."""
    header, rows = read_csv(path)
    col = {name: i for i, name in enumerate(header)}
    feeds = {}
    numeric = json.loads(meta["numeric_features"])
    if numeric:
        feeds["input"] = np.array([[np.float32(r[col[f]].strip()) for f in numeric] for r in rows], dtype=np.float32)
    for c in json.loads(meta["categorical_inputs"]):
        feeds[c["input"]] = np.array([[r[col[c["column"]]].strip()] for r in rows], dtype=object)
    return feeds, len(rows)


def expected_from_predictions(meta, path):
    header, rows = read_csv(path)
    task = meta["task"]
    if task == "regression":
        return {"prediction": np.array([[np.float32(v) for v in r] for r in rows], dtype=np.float32)}
    labels = [r[0] for r in rows]
    if task == "binary":
        p = np.array([np.float32(r[1]) for r in rows], dtype=np.float32)
        probs = np.stack([np.float32(1) - p, p], axis=1)
    else:
        probs = np.array([[np.float32(v) for v in r[1:]] for r in rows], dtype=np.float32)
    return {"label": labels, "probabilities": probs}


def compare(meta, got, want):
    """(max abs difference, max relative difference (regression; None otherwise), number of
    mismatching rows, near-tie label differences)."""
    if meta["task"] == "regression":
        g, w = np.asarray(got["prediction"], dtype=np.float64), want["prediction"].astype(np.float64)
        if g.shape != w.shape:
            return math.inf, math.inf, len(w), 0
        diff = np.abs(g - w)
        rel = diff / np.maximum(1.0, np.abs(w))  # relative above 1, absolute below
        return float(diff.max(initial=0)), float(rel.max(initial=0)), int((rel > TOL).any(axis=1).sum()), 0
    g, w = np.asarray(got["probabilities"], dtype=np.float64), want["probabilities"].astype(np.float64)
    if g.shape != w.shape or len(got["label"]) != len(want["label"]):
        return math.inf, None, len(want["label"]), 0
    diff = np.abs(g - w)
    bad = int((diff > TOL).any(axis=1).sum())
    ties = 0
    for i, (a, b) in enumerate(zip(got["label"], want["label"])):
        a = a.decode() if isinstance(a, bytes) else str(a)
        if a != b:
            top = np.sort(w[i])[-2:]
            if top[1] - top[0] < TOL:
                ties += 1  # predict's own probabilities tie within tolerance: either label is right
            else:
                bad += 1
    return float(diff.max(initial=0)), None, bad, ties


# ---- a small evaluator of the graph's operators, in float32 ----

def _sigmoid(x):
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)


def _reshape(x, shape):
    shape = [x.shape[i] if s == 0 else int(s) for i, s in enumerate(shape)]
    return x.reshape(shape)


def _onehot(x, cats, zeros):
    index = {c: i for i, c in enumerate(cats)}
    out = np.zeros(x.shape + (len(cats),), dtype=np.float32)
    for pos, v in np.ndenumerate(x):
        v = v.decode() if isinstance(v, bytes) else v
        if v in index:
            out[pos + (index[v],)] = 1
        elif not zeros:
            raise ValueError("unknown category " + repr(v))
    return out


_erf = np.vectorize(math.erf, otypes=[np.float64])

OPS = {
    "Sub": lambda x, a: x[0] - x[1],
    "Div": lambda x, a: x[0] / x[1],
    "Add": lambda x, a: x[0] + x[1],
    "Mul": lambda x, a: x[0] * x[1],
    "Gemm": lambda x, a: (x[0] @ (x[1].T if a.get("transB") else x[1])) + x[2],
    "Relu": lambda x, a: np.maximum(x[0], np.float32(0)),
    "Tanh": lambda x, a: np.tanh(x[0]),
    "Sigmoid": lambda x, a: _sigmoid(x[0]),
    "LeakyRelu": lambda x, a: np.where(x[0] >= 0, x[0], np.float32(a.get("alpha", 0.01)) * x[0]),
    "Erf": lambda x, a: _erf(x[0]).astype(np.float32),
    "Softmax": lambda x, a: _softmax(x[0], a.get("axis", -1)),
    "ArgMax": lambda x, a: np.argmax(x[0], axis=a.get("axis", 0)).astype(np.int64) if a.get("keepdims", 1) == 0
    else np.expand_dims(np.argmax(x[0], axis=a.get("axis", 0)), a.get("axis", 0)).astype(np.int64),
    "Gather": lambda x, a: np.take(x[0], x[1], axis=a.get("axis", 0)),
    "Concat": lambda x, a: np.concatenate(x, axis=a["axis"]),
    "Reshape": lambda x, a: _reshape(x[0], x[1]),
    "OneHotEncoder": lambda x, a: _onehot(x[0], [s.decode() for s in a["cats_strings"]], a.get("zeros", 1)),
}


def run_numpy(model, feeds):
    import onnx
    from onnx import numpy_helper
    values = dict(feeds)
    for t in model.graph.initializer:
        arr = numpy_helper.to_array(t)
        if t.data_type == onnx.TensorProto.STRING:  # bytes or str, by onnx version
            arr = np.array([s.decode() if isinstance(s, bytes) else s for s in arr.ravel()], dtype=object).reshape(arr.shape)
        values[t.name] = arr
    for node in model.graph.node:
        if node.op_type not in OPS:
            raise ValueError("the numpy evaluator has no operator " + node.op_type)
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        out = OPS[node.op_type]([values[i] for i in node.input], attrs)
        if isinstance(out, np.ndarray) and out.dtype == np.float64:
            raise ValueError(node.op_type + " gave float64: the graph must stay float32")
        values[node.output[0]] = out
    return {o.name: values[o.name] for o in model.graph.output}


# ---- the three parts ----

def check_onnx(path, meta_expect_opset):
    """onnx's own checks; returns the loaded model and a list of problems."""
    import onnx
    problems = []
    raw = open(path, "rb").read()
    model = onnx.load_from_string(raw)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    if model.SerializeToString() != raw:
        problems.append("onnx re-serialises the file to other bytes")
    opsets = {o.domain: o.version for o in model.opset_import}
    want_ir = {17: 8, 13: 7}[opsets.get("", 0)] if opsets.get("", 0) in (13, 17) else None
    if want_ir is None or model.ir_version != want_ir:
        problems.append("opset %s with IR %d" % (opsets, model.ir_version))
    meta = {p.key: p.value for p in model.metadata_props}
    cats = json.loads(meta["categorical_inputs"])
    if bool(cats) != ("ai.onnx.ml" in opsets):
        problems.append("ai.onnx.ml imported: %s, categorical inputs: %d" % ("ai.onnx.ml" in opsets, len(cats)))
    for v in list(model.graph.input) + list(model.graph.output):
        if v.type.tensor_type.shape.dim[0].dim_param != "N":
            problems.append(v.name + " lacks the symbolic batch dimension N")
    known = {v.name for v in inferred.graph.value_info} | {v.name for v in model.graph.output}
    for node in model.graph.node:
        if node.output[0] not in known:
            problems.append("no shape for " + node.output[0])
    if meta.get("unknown_category") == "error" and cats and "cannot raise" not in model.doc_string:
        problems.append("doc_string does not say that unseen categories encode as zeros")
    if meta_expect_opset and opsets.get("") != meta_expect_opset:
        problems.append("opset %s, expected %d" % (opsets.get(""), meta_expect_opset))
    return model, meta, problems


def batches(run, feeds, n):
    """Outputs for the whole batch and for each row alone (concatenated)."""
    whole = run(feeds)
    rows = [run({k: v[i:i + 1] for k, v in feeds.items()}) for i in range(n)]
    single = {k: np.concatenate([np.asarray(r[k]) for r in rows]) for k in whole}
    return {"N": whole, "1": single}


def report(name, runtime, meta, outs, want):
    ok = True
    for batch, got in outs.items():
        diff, rel, bad, ties = compare(meta, got, want)
        rows = len(want.get("label", want.get("prediction")))
        status = "ok" if bad == 0 else "MISMATCH"
        extra = (" (max_rel_diff=%.3g)" % rel) if rel is not None else ""
        extra += (", %d near-tie labels" % ties) if ties else ""
        print("%-24s %-5s batch=%-2s rows=%-4d max_abs_diff=%.3g %s%s" % (name, runtime, batch, rows, diff, status, extra))
        ok = ok and bad == 0
    return ok


def main():
    opts = parse_args(sys.argv[1:])
    try:
        import onnx  # noqa: F401
        have_onnx = True
    except ImportError:
        have_onnx = False
        if opts["require_onnx"]:
            sys.exit("onnx_check: python module onnx missing for " + sys.executable +
                     " (Debian: apt-get install python3-onnx; scripts/deps.sh installs it)")
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
        if opts["require_ort"]:
            sys.exit("onnx_check: python module onnxruntime missing for " + sys.executable)
    if not have_onnx:
        print("onnx_check: onnx not importable: skipped the onnx checks and the numpy evaluator")
    if not have_onnx and ort is None:
        sys.exit("onnx_check: neither onnx nor onnxruntime importable by " + sys.executable + ": nothing checked")
    if ort is None:
        print("onnx_check: onnxruntime not importable by %s: skipped the ONNX Runtime comparison" % sys.executable)
    else:
        print("onnx_check: ONNX Runtime %s" % ort.__version__)

    ok = True
    for name, path, data, predictions in opts["cases"]:
        expect_opset = 13 if "opset13" in name else 17
        if have_onnx:
            model, meta, problems = check_onnx(path, expect_opset)
            for p in problems:
                print("%-24s onnx  %s" % (name, p))
            print("%-24s onnx  check_model(full_check) + strict shape inference %s" % (name, "MISMATCH" if problems else "ok"))
            ok = ok and not problems
        if ort is not None:
            sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            meta = dict(sess.get_modelmeta().custom_metadata_map)
        feeds, n = feeds_from_csv(meta, data)
        want = expected_from_predictions(meta, predictions)
        if have_onnx:
            ok = report(name, "numpy", meta, batches(lambda f: run_numpy(model, f), feeds, n), want) and ok
        if ort is not None:
            names = [o.name for o in sess.get_outputs()]
            run = lambda f: dict(zip(names, sess.run(names, f)))  # noqa: E731
            ok = report(name, "ort", meta, batches(run, feeds, n), want) and ok
    print("onnx_check: %d cases, %s" % (len(opts["cases"]), "all match" if ok else "MISMATCHES above"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
