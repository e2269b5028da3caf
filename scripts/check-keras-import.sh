#!/usr/bin/env bash
# Runs tools/import_keras.py on the seed's Keras model (test fixture) and checks that it writes
# the same weights as the committed fixture bundle, and that they reproduce TensorFlow's outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=Tests/Fixtures/seed-keras
python3 -c "import h5py, numpy, joblib, sklearn, safetensors" 2>/dev/null ||
    python3 -m pip install -q --disable-pip-version-check h5py numpy joblib scikit-learn safetensors >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 tools/import_keras.py --model "$fixtures/anomaly_detector.h5" --scaler "$fixtures/scaler.pkl" \
    --metadata "$fixtures/metadata.json" --out "$out/bundle" >/dev/null
cmp "$out/bundle/model.safetensors" "$fixtures/bundle/model.safetensors"
python3 tools/check_keras_import.py --bundle "$out/bundle" --reference "$fixtures/reference.csv"
echo "keras import: weights identical to the fixture bundle, outputs match TensorFlow's"
