#!/usr/bin/env python3
"""Import a Keras (2.x, HDF5) Sequential dense autoencoder into a Vigil model bundle.

    python3 tools/import_keras.py --model anomaly_detector.h5 --scaler scaler.pkl \
        --out BUNDLE_DIR [--features cpu_usage,memory_usage,disk_io,network_io,response_time] \
        [--metadata metadata.json]

The bundle format is described in docs/model-bundle.md: a directory holding
`model.safetensors` (one `dense_<i>.kernel` / `dense_<i>.bias` F32 pair per dense layer)
and `model.json` (features, architecture, scaler, calibration = null, training info).

Needs only h5py, numpy, joblib and scikit-learn (to unpickle the StandardScaler).
TensorFlow and the `safetensors` package are NOT required: the safetensors file is written
by hand.

Note: `--scaler` is loaded with joblib, i.e. unpickled. Only import files you trust.

Exit codes: 0 success, 2 invalid input (a message on stderr, no traceback).
"""

import argparse
import datetime
import json
import os
import shutil
import struct
import sys
import warnings

PROG = "import_keras"
DEFAULT_FEATURES = ["cpu_usage", "memory_usage", "disk_io", "network_io", "response_time"]
SUPPORTED_ACTIVATIONS = ("relu", "linear", "tanh", "sigmoid")
BUNDLE_FILES = ("model.json", "model.safetensors")
FORMAT_VERSION = 1
VIGIL_VERSION = "0.1.0"


class ImportFailure(Exception):
    """A user-facing error: printed on stderr, exit code 2."""


def fail(message):
    raise ImportFailure(message)


# --------------------------------------------------------------------------- dependencies

def require_modules():
    missing = []
    mods = {}
    for name in ("numpy", "h5py", "joblib"):
        try:
            mods[name] = __import__(name)
        except ImportError:
            missing.append(name)
    try:
        import sklearn  # noqa: F401  (needed by joblib to unpickle a StandardScaler)
    except ImportError:
        missing.append("scikit-learn")
    if missing:
        fail("missing Python package(s): %s (pip install %s)"
             % (", ".join(missing), " ".join(missing)))
    return mods["numpy"], mods["h5py"], mods["joblib"]


# --------------------------------------------------------------------------- Keras h5

def _as_str(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
        if isinstance(value, bytes):
            return value.decode("utf-8")
    return str(value)


def _activation_name(layer_name, act):
    if isinstance(act, str):
        name = act
    elif isinstance(act, dict):
        # Keras 3 may serialise an activation as {"class_name": "function", "config": "relu"}
        # or {"class_name": "ReLU", ...}.
        cfg = act.get("config")
        name = cfg if isinstance(cfg, str) else act.get("class_name", repr(act))
    elif act is None:
        name = "linear"
    else:
        name = repr(act)
    name = name.lower()
    if name not in SUPPORTED_ACTIVATIONS:
        fail("layer %r: unsupported activation %r (supported: %s)"
             % (layer_name, name, ", ".join(SUPPORTED_ACTIVATIONS)))
    return name


def read_architecture(h5file, model_path):
    """Return (input_dim or None, [layer dicts]) from the model_config attribute."""
    if "model_config" not in h5file.attrs:
        fail("%s: no 'model_config' attribute; this is not a Keras HDF5 model saved with "
             "model.save(...h5) (weights-only files are not supported)" % model_path)
    try:
        config = json.loads(_as_str(h5file.attrs["model_config"]))
    except (ValueError, UnicodeDecodeError) as exc:
        fail("%s: model_config is not valid JSON: %s" % (model_path, exc))

    class_name = config.get("class_name")
    if class_name != "Sequential":
        fail("%s: model class %r is not supported (only a Keras Sequential model of "
             "Dense/Dropout layers)" % (model_path, class_name))
    cfg = config.get("config")
    layers_cfg = cfg.get("layers") if isinstance(cfg, dict) else cfg  # very old Keras: a list
    if not isinstance(layers_cfg, list) or not layers_cfg:
        fail("%s: model_config has no layers" % model_path)

    input_dim = None
    layers = []
    for index, layer in enumerate(layers_cfg):
        lclass = layer.get("class_name")
        lcfg = layer.get("config", {}) or {}
        lname = lcfg.get("name", "#%d" % index)
        shape = lcfg.get("batch_input_shape") or lcfg.get("batch_shape")
        if shape and input_dim is None:
            if len(shape) != 2 or not isinstance(shape[-1], int):
                fail("layer %r: input shape %r is not (batch, features)" % (lname, shape))
            input_dim = shape[-1]
        if lclass == "InputLayer":
            continue
        if lclass == "Dense":
            if lcfg.get("use_bias", True) is False:
                fail("layer %r: Dense with use_bias=false is not supported" % lname)
            units = lcfg.get("units")
            if not isinstance(units, int) or units <= 0:
                fail("layer %r: invalid units %r" % (lname, units))
            layers.append({"type": "dense", "name": lname, "units": units,
                           "activation": _activation_name(lname, lcfg.get("activation"))})
        elif lclass == "Dropout":
            rate = lcfg.get("rate")
            if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
                fail("layer %r: invalid dropout rate %r" % (lname, rate))
            layers.append({"type": "dropout", "name": lname, "rate": float(rate)})
        else:
            fail("layer %r: layer type %r is not supported (only Dense and Dropout)"
                 % (lname, lclass))
    if not any(l["type"] == "dense" for l in layers):
        fail("%s: the model has no Dense layer" % model_path)
    return input_dim, layers


def _find_weight(group, wanted):
    """Find the dataset named `wanted` ('kernel' / 'bias', optionally ':0') under `group`."""
    found = []

    def visit(name, obj):
        if hasattr(obj, "shape") and hasattr(obj, "dtype"):  # a dataset
            base = name.rsplit("/", 1)[-1]
            if base.split(":", 1)[0] == wanted:
                found.append(name)

    group.visititems(visit)
    return found


def read_dense_weights(h5file, layer, np):
    lname = layer["name"]
    root = h5file["model_weights"] if "model_weights" in h5file else h5file
    if lname not in root:
        fail("layer %r: no weights group model_weights/%s in the h5 file" % (lname, lname))
    group = root[lname]
    out = {}
    for part in ("kernel", "bias"):
        paths = _find_weight(group, part)
        if len(paths) != 1:
            fail("layer %r: expected exactly one '%s' dataset under model_weights/%s, found %s"
                 % (lname, part, lname, paths or "none"))
        data = np.asarray(group[paths[0]][()])
        if not np.issubdtype(data.dtype, np.floating):
            fail("layer %r: %s has non-float dtype %s" % (lname, part, data.dtype))
        if not np.all(np.isfinite(data)):
            fail("layer %r: %s contains NaN or infinite values" % (lname, part))
        out[part] = np.ascontiguousarray(data, dtype="<f4")
    kernel, bias = out["kernel"], out["bias"]
    if kernel.ndim != 2 or kernel.shape[1] != layer["units"]:
        fail("layer %r: kernel shape %s does not match units %d"
             % (lname, kernel.shape, layer["units"]))
    if bias.shape != (layer["units"],):
        fail("layer %r: bias shape %s does not match units %d"
             % (lname, bias.shape, layer["units"]))
    return kernel, bias


def load_model(path, np, h5py):
    if not os.path.isfile(path):
        fail("model file not found: %s" % path)
    try:
        h5file = h5py.File(path, "r")
    except OSError as exc:
        fail("%s: cannot open as HDF5 (%s); Keras 3 '.keras' zip files and SavedModel "
             "directories are not supported" % (path, exc))
    with h5file:
        input_dim, layers = read_architecture(h5file, path)
        tensors = []  # (name, array) in layer order
        prev = input_dim
        dense_index = 0
        for layer in layers:
            if layer["type"] != "dense":
                continue
            kernel, bias = read_dense_weights(h5file, layer, np)
            if prev is not None and kernel.shape[0] != prev:
                fail("layer %r: kernel has %d inputs but the previous layer outputs %d"
                     % (layer["name"], kernel.shape[0], prev))
            if input_dim is None:
                input_dim = kernel.shape[0]
            prev = kernel.shape[1]
            tensors.append(("dense_%d.kernel" % dense_index, kernel))
            tensors.append(("dense_%d.bias" % dense_index, bias))
            dense_index += 1
    last_units = [l for l in layers if l["type"] == "dense"][-1]["units"]
    if last_units != input_dim:
        fail("%s: not an autoencoder: the last Dense layer has %d units but the input has %d "
             "features" % (path, last_units, input_dim))
    return input_dim, layers, tensors


# --------------------------------------------------------------------------- scaler

def load_scaler(path, joblib, np):
    if not os.path.isfile(path):
        fail("scaler file not found: %s" % path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            scaler = joblib.load(path)
        except Exception as exc:  # unpickling can raise nearly anything
            fail("%s: cannot load with joblib: %s: %s" % (path, type(exc).__name__, exc))
    for w in caught:
        if "InconsistentVersionWarning" in type(w.message).__name__ \
                or "version" in str(w.message).lower():
            first = str(w.message).split(". ")[0]
            print("%s: note: %s" % (PROG, first), file=sys.stderr)
    kind = type(scaler).__name__
    if not hasattr(scaler, "mean_") or not hasattr(scaler, "scale_"):
        fail("%s: the joblib object (%s) has no mean_/scale_; expected a fitted "
             "sklearn StandardScaler" % (path, kind))
    n = getattr(scaler, "n_features_in_", None)
    # StandardScaler(with_mean=False) still computes mean_ but does not subtract it;
    # with_std=False leaves scale_ = None.
    if getattr(scaler, "with_mean", True) and scaler.mean_ is not None:
        mean = np.asarray(scaler.mean_, dtype=np.float64).ravel()
    else:
        mean = None
    if getattr(scaler, "with_std", True) and scaler.scale_ is not None:
        scale = np.asarray(scaler.scale_, dtype=np.float64).ravel()
    else:
        scale = None
    if mean is None and scale is None and n is None:
        fail("%s: scaler has neither mean_ nor scale_ values" % path)
    size = len(mean) if mean is not None else len(scale) if scale is not None else n
    if mean is None:
        mean = np.zeros(size)
    if scale is None:
        scale = np.ones(size)
    if len(mean) != len(scale):
        fail("%s: mean_ has %d values but scale_ has %d" % (path, len(mean), len(scale)))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
        fail("%s: scaler mean_/scale_ contain non-finite or non-positive scale values" % path)
    names = getattr(scaler, "feature_names_in_", None)
    return mean, scale, (list(map(str, names)) if names is not None else None)


# --------------------------------------------------------------------------- writing

def safetensors_bytes(tensors, np):
    header = {"__metadata__": {"format": "vigil", "format_version": str(FORMAT_VERSION)}}
    blobs = []
    offset = 0
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def write_file(path, data):
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def is_replaceable_bundle(path):
    """An existing directory holding only bundle files (or nothing) may be replaced."""
    if not os.path.isdir(path) or os.path.islink(path):
        return False
    entries = set(os.listdir(path))
    return entries <= set(BUNDLE_FILES)


def write_bundle(out, tensors, model_json, np):
    out = os.path.abspath(out.rstrip(os.sep) or out)
    parent = os.path.dirname(out)
    if not os.path.isdir(parent):
        fail("output parent directory does not exist: %s" % parent)
    if os.path.lexists(out) and not is_replaceable_bundle(out):
        fail("%s exists and is not a Vigil bundle directory (only %s allowed); refusing to "
             "overwrite it" % (out, " and ".join(BUNDLE_FILES)))
    tmp = "%s.tmp-%d" % (out, os.getpid())
    old = "%s.old-%d" % (out, os.getpid())
    try:
        if os.path.lexists(tmp):
            shutil.rmtree(tmp)
        os.mkdir(tmp)
        write_file(os.path.join(tmp, "model.safetensors"), safetensors_bytes(tensors, np))
        write_file(os.path.join(tmp, "model.json"),
                   (json.dumps(model_json, indent=2) + "\n").encode("utf-8"))
        fsync_dir(tmp)
        if os.path.lexists(out):
            os.rename(out, old)
            try:
                os.replace(tmp, out)
            except OSError:
                os.rename(old, out)  # put the previous bundle back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
        fsync_dir(parent)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        fail("cannot write bundle %s: %s" % (out, exc))
    return out


# --------------------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="import_keras.py",
        description="Convert a Keras HDF5 Sequential dense autoencoder + joblib StandardScaler "
                    "into a Vigil model bundle (docs/model-bundle.md).")
    p.add_argument("--model", required=True, help="Keras 2 .h5 file (model.save(...))")
    p.add_argument("--scaler", required=True, help="joblib-dumped sklearn StandardScaler")
    p.add_argument("--out", required=True, help="bundle directory to write (replaced atomically)")
    p.add_argument("--features", default=",".join(DEFAULT_FEATURES),
                   help="comma-separated feature names in model input order "
                        "(default: %(default)s)")
    p.add_argument("--metadata", help="the seed's metadata.json (training_samples is copied)")
    return p.parse_args(argv)


def run(argv):
    args = parse_args(argv)
    np, h5py, joblib = require_modules()

    features = [f.strip() for f in args.features.split(",")]
    if not features or any(not f for f in features):
        fail("--features: empty feature name in %r" % args.features)
    if len(set(features)) != len(features):
        fail("--features: duplicate feature names in %r" % args.features)

    samples = None
    if args.metadata:
        if not os.path.isfile(args.metadata):
            fail("metadata file not found: %s" % args.metadata)
        try:
            with open(args.metadata, "r", encoding="utf-8") as fh:
                meta = json.load(fh)
        except (OSError, ValueError) as exc:
            fail("%s: cannot read JSON: %s" % (args.metadata, exc))
        if not isinstance(meta, dict):
            fail("%s: expected a JSON object" % args.metadata)
        samples = meta.get("training_samples")
        if samples is not None and (not isinstance(samples, int) or isinstance(samples, bool)
                                    or samples < 0):
            fail("%s: training_samples %r is not a non-negative integer"
                 % (args.metadata, samples))

    input_dim, layers, tensors = load_model(args.model, np, h5py)
    mean, scale, scaler_names = load_scaler(args.scaler, joblib, np)

    if len(mean) != input_dim:
        fail("scaler has %d features but the model input has %d" % (len(mean), input_dim))
    if len(features) != input_dim:
        fail("--features lists %d names but the model input has %d: %s"
             % (len(features), input_dim, ",".join(features)))
    if scaler_names is not None and scaler_names != features:
        print("%s: warning: the scaler was fitted on columns %s, but --features is %s"
              % (PROG, ",".join(scaler_names), ",".join(features)), file=sys.stderr)

    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    arch_layers = []
    for layer in layers:
        if layer["type"] == "dense":
            arch_layers.append({"type": "dense", "units": layer["units"],
                                "activation": layer["activation"]})
        else:
            arch_layers.append({"type": "dropout", "rate": layer["rate"]})
    model_json = {
        "format_version": FORMAT_VERSION,
        "vigil_version": VIGIL_VERSION,
        "features": features,
        "architecture": {"input_dim": input_dim, "layers": arch_layers},
        "scaler": {"mean": [float(v) for v in mean], "scale": [float(v) for v in scale]},
        "calibration": None,
        "training": {
            "source": "keras-import:%s" % os.path.basename(args.model),
            "samples": samples,
            "epochs_run": None,
            "best_epoch": None,
            "best_val_loss": None,
            "final_loss": None,
            "final_val_loss": None,
            "seed": None,
            "created_at": created,
            "data_fingerprint": None,
        },
    }

    out = write_bundle(args.out, tensors, model_json, np)

    def describe(layer):
        if layer["type"] == "dense":
            return "dense(%d, %s)" % (layer["units"], layer["activation"])
        return "dropout(%g)" % layer["rate"]

    n_params = sum(int(a.size) for _, a in tensors)
    print("imported %s (%d layers, %d dense, %d parameters)"
          % (args.model, len(layers), len(tensors) // 2, n_params))
    print("  input %d -> %s" % (input_dim, " -> ".join(describe(l) for l in layers)))
    print("  features: %s" % ", ".join(features))
    print("  wrote %s/{model.safetensors,model.json} (calibration: none)" % out)
    print("hint: run `vigil calibrate --model %s --synthetic 50000` (or --data FILE.csv) to "
          "calibrate the threshold" % args.out)
    return 0


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except ImportFailure as exc:
        print("%s: error: %s" % (PROG, exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
