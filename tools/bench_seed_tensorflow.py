#!/usr/bin/env python3
"""The seed's setup in TensorFlow, timed the way `vigil bench` times Vigil, for side-by-side figures.

Needs tensorflow-cpu (the seed pins 2.15.0), numpy and scikit-learn. Usage:
    python3 tools/bench_seed_tensorflow.py [--epochs 3] [--samples 50000] [--calls 200] [--vectors 100000]
It reproduces the seed's train_model.py (generator, StandardScaler, 80/20 split, the 64-32-16-32-64
autoencoder with dropout 0.2, Adam, MSE, batch 32) for a fixed number of epochs, then times
the seed's predict_anomaly on one vector and model.predict on a batch.
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def seed_data(n, rng):
    normal = rng.normal(50, 15, (int(n * 0.8), 5))
    anomalies = rng.normal(50, 15, (int(n * 0.2), 5))
    anomalies[:, 0] *= rng.choice([0.1, 3.0], size=anomalies.shape[0])
    anomalies[:, 1] *= rng.choice([0.2, 2.5], size=anomalies.shape[0])
    anomalies[:, 2] += rng.normal(0, 50, anomalies.shape[0])
    anomalies[:, 3] += rng.normal(0, 30, anomalies.shape[0])
    anomalies[:, 4] *= rng.choice([0.5, 2.0], size=anomalies.shape[0])
    data = np.vstack([normal, anomalies])
    rng.shuffle(data)
    return data


def model(input_dim):
    layers = tf.keras.layers
    m = tf.keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=(input_dim,)), layers.Dropout(0.2),
        layers.Dense(32, activation="relu"), layers.Dropout(0.2),
        layers.Dense(16, activation="relu"),
        layers.Dense(32, activation="relu"), layers.Dropout(0.2),
        layers.Dense(64, activation="relu"), layers.Dropout(0.2),
        layers.Dense(input_dim, activation="linear"),
    ])
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return m


class EpochTimer(tf.keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times = getattr(self, "times", []) + [time.perf_counter() - self.start]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--verbose", type=int, default=0, help="Keras fit verbosity; the seed uses 1 (a progress bar)")
    args = parser.parse_args()

    rng = np.random.default_rng(42)
    data = seed_data(args.samples, rng)
    scaler = StandardScaler()
    scaled = scaler.fit_transform(data)
    train, test = train_test_split(scaled, test_size=0.2, random_state=42)
    m = model(5)
    timer = EpochTimer()
    history = m.fit(train, train, epochs=args.epochs, batch_size=32, validation_data=(test, test), callbacks=[timer], verbose=args.verbose)
    times = sorted(timer.times[1:] or timer.times)  # the first epoch includes graph tracing
    print(f"tensorflow {tf.__version__}: (a) seconds per epoch: median {times[len(times) // 2]:.3f} "
          f"(first epoch {timer.times[0]:.3f}); final val_loss {history.history['val_loss'][-1]:.4f}")

    def predict_anomaly(vector):  # the seed's per-request path
        x = scaler.transform(vector.reshape(1, -1))
        reconstruction = m.predict(x, verbose=0)
        return float(np.mean(np.square(x - reconstruction)))

    probe = data[0]
    predict_anomaly(probe)
    latencies = []
    for _ in range(args.calls):
        start = time.perf_counter()
        predict_anomaly(probe)
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    print(f"(b) predict_anomaly on one vector: median {latencies[len(latencies) // 2] * 1e3:.2f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms")

    batch = scaler.transform(np.resize(data, (args.vectors, 5)))
    m.predict(batch[:4096], batch_size=4096, verbose=0)
    start = time.perf_counter()
    reconstruction = m.predict(batch, batch_size=4096, verbose=0)
    np.mean(np.square(batch - reconstruction), axis=1)
    seconds = time.perf_counter() - start
    print(f"(c) model.predict, batch 4096: {args.vectors / seconds:,.0f} vectors/s (all cores)")


if __name__ == "__main__":
    main()
