#!/usr/bin/env python3
"""Check a Vigil bundle produced by tools/import_keras.py against TensorFlow's reference outputs.

    python3 tools/check_keras_import.py --bundle BUNDLE_DIR --reference reference.csv [--rtol 1e-4]

`reference.csv` (Tests/Fixtures/seed-keras/reference.csv) has, per row, the raw features,
TensorFlow's `scaled_<feature>` inputs, its `recon_<feature>` reconstructions and
`reconstruction_error` (mean squared error in scaled space).

Checks:
  1. model.safetensors loads with the `safetensors` package, holds exactly
     dense_<i>.kernel / dense_<i>.bias (F32) with shapes matching model.json, and carries
     the vigil __metadata__;
  2. the bundle's scaler maps the raw columns onto the scaled_* columns;
  3. a numpy forward pass (Dense layers, dropout skipped) of the scaled_* columns reproduces
     recon_* and reconstruction_error;
  4. the same from the raw columns through the bundle's own scaler.
Relative differences are |ours - ref| / max(|ref|, floor); exit 0 when all are <= --rtol,
1 on a mismatch, 2 on unusable input.
"""

import argparse
import csv
import json
import os
import sys

ACTIVATIONS = {
    "relu": lambda np, x: np.maximum(x, 0.0),
    "linear": lambda np, x: x,
    "tanh": lambda np, x: np.tanh(x),
    "sigmoid": lambda np, x: 1.0 / (1.0 + np.exp(-x)),
}


class CheckError(Exception):
    pass


def load_bundle(bundle, np):
    from safetensors.numpy import load_file
    from safetensors import safe_open

    json_path = os.path.join(bundle, "model.json")
    st_path = os.path.join(bundle, "model.safetensors")
    for p in (json_path, st_path):
        if not os.path.isfile(p):
            raise CheckError("missing %s" % p)
    with open(json_path, "r", encoding="utf-8") as fh:
        model = json.load(fh)
    tensors = load_file(st_path)
    with safe_open(st_path, framework="numpy") as fh:
        meta = fh.metadata() or {}
    if meta.get("format") != "vigil" or meta.get("format_version") != "1":
        raise CheckError("safetensors __metadata__ is %r, expected format=vigil, "
                         "format_version=1" % meta)
    if model.get("format_version") != 1:
        raise CheckError("model.json format_version is %r" % model.get("format_version"))

    arch = model["architecture"]
    prev = arch["input_dim"]
    dense = []
    expected_names = set()
    for layer in arch["layers"]:
        if layer["type"] == "dropout":
            continue
        if layer["type"] != "dense":
            raise CheckError("unknown layer type %r" % layer["type"])
        i = len(dense)
        kname, bname = "dense_%d.kernel" % i, "dense_%d.bias" % i
        expected_names |= {kname, bname}
        if kname not in tensors or bname not in tensors:
            raise CheckError("missing tensor %s or %s" % (kname, bname))
        k, b = tensors[kname], tensors[bname]
        if k.dtype != np.float32 or b.dtype != np.float32:
            raise CheckError("%s/%s are not float32" % (kname, bname))
        if k.shape != (prev, layer["units"]) or b.shape != (layer["units"],):
            raise CheckError("%s shape %s / %s shape %s do not match %d -> %d"
                             % (kname, k.shape, bname, b.shape, prev, layer["units"]))
        if layer["activation"] not in ACTIVATIONS:
            raise CheckError("unsupported activation %r" % layer["activation"])
        dense.append((k, b, layer["activation"]))
        prev = layer["units"]
    if set(tensors) != expected_names:
        raise CheckError("unexpected tensors: %s" % sorted(set(tensors) - expected_names))
    if prev != arch["input_dim"] or len(model["features"]) != arch["input_dim"]:
        raise CheckError("output width %d / features %d != input_dim %d"
                         % (prev, len(model["features"]), arch["input_dim"]))
    return model, tensors, dense


def forward(np, dense, x):
    h = np.asarray(x, dtype=np.float32)
    for k, b, act in dense:
        h = ACTIVATIONS[act](np, h @ k + b).astype(np.float32)
    return h


def rel_err(np, ours, ref, floor):
    return np.abs(ours - ref) / np.maximum(np.abs(ref), floor)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--rtol", type=float, default=1e-4,
                    help="max relative difference (default 1e-4)")
    ap.add_argument("--floor", type=float, default=1e-3,
                    help="denominator floor for the elementwise scaled/recon comparisons, so "
                         "values near 0 are compared absolutely (default 1e-3); the "
                         "reconstruction_error comparison is always purely relative")
    args = ap.parse_args(argv)
    try:
        import numpy as np
        import safetensors.numpy  # noqa: F401
    except ImportError as exc:
        print("check_keras_import: error: %s (pip install numpy safetensors)" % exc,
              file=sys.stderr)
        return 2

    try:
        model, tensors, dense = load_bundle(args.bundle, np)
        if not os.path.isfile(args.reference):
            raise CheckError("reference file not found: %s" % args.reference)
        with open(args.reference, newline="") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            raise CheckError("%s has no rows" % args.reference)
        feats = model["features"]
        try:
            raw = np.array([[float(r[f]) for f in feats] for r in rows])
            scaled = np.array([[float(r["scaled_" + f]) for f in feats] for r in rows])
            recon = np.array([[float(r["recon_" + f]) for f in feats] for r in rows])
            error = np.array([float(r["reconstruction_error"]) for r in rows])
        except KeyError as exc:
            raise CheckError("%s lacks column %s" % (args.reference, exc))
    except (CheckError, OSError, ValueError, KeyError) as exc:
        print("check_keras_import: error: %s" % exc, file=sys.stderr)
        return 2

    mean = np.array(model["scaler"]["mean"])
    scale = np.array(model["scaler"]["scale"])

    ours_scaled = (raw - mean) / scale
    r_scaled = rel_err(np, ours_scaled, scaled, args.floor).max()

    out = forward(np, dense, scaled)
    r_recon = rel_err(np, out, recon, args.floor).max()
    ours_err = np.mean((out.astype(np.float64) - scaled) ** 2, axis=1)
    r_err = rel_err(np, ours_err, error, 1e-30).max()

    out2 = forward(np, dense, ours_scaled.astype(np.float32))
    ours_err2 = np.mean((out2.astype(np.float64) - ours_scaled) ** 2, axis=1)
    r_err2 = rel_err(np, ours_err2, error, 1e-30).max()

    print("bundle %s: %d dense layers, tensors %s"
          % (args.bundle, len(dense),
             ", ".join("%s%s" % (n, list(tensors[n].shape)) for n in sorted(tensors))))
    print("%d reference rows; max relative difference (tolerance %g):" % (len(rows), args.rtol))
    results = [
        ("scaler: raw -> scaled_*", r_scaled),
        ("forward: recon_*", r_recon),
        ("reconstruction_error (from scaled_*)", r_err),
        ("reconstruction_error (from raw via bundle scaler)", r_err2),
    ]
    ok = True
    for label, value in results:
        good = bool(value <= args.rtol)
        ok &= good
        print("  %-52s %.3e  %s" % (label, value, "ok" if good else "MISMATCH"))
    if not ok:
        print("check_keras_import: the bundle does NOT reproduce the reference outputs",
              file=sys.stderr)
        return 1
    print("ok: the bundle reproduces TensorFlow's outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
