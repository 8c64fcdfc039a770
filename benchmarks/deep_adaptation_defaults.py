"""The deep domain-adaptation nets' settings, chosen on validation rows.

For each digit pair of the adaptation table and each seed, the target rows
are split as :func:`sktransfer.demo.adaptation_table` splits them: the test
half is never used here. The other half is split again (stratified): three
quarters join the fit unlabeled, one quarter, whose labels no net reads, is
the validation set that scores each candidate. The same small CNN, Adam,
epochs and batch size as the adaptation table; candidates are the methods'
published settings and the combinations the methods allow (class confusion
and self-training stacked on another term).

    python benchmarks/deep_adaptation_defaults.py [--seeds 1] [--epochs 30]
        [--n-jobs 2] [--output FILE] [--quick]
"""

import argparse
import os
import time
import warnings

import numpy as np
from _report import Report, add_arguments, progress
from joblib import Parallel, delayed
from sklearn.model_selection import train_test_split

from sktransfer import datasets
from sktransfer.demo import ADAPTATION_PAIRS, split_target_rows

# name -> (class name in sktransfer.deep, keyword arguments); every setting
# explicit, so that a change of the classes' defaults leaves the runs as they
# were.
CANDIDATES = {
    "AdaBN only": ("DANNClassifier", {"lambda_max": 0.0}),
    "DANN": ("DANNClassifier", {}),
    "CDAN": ("CDANClassifier", {"entropy_conditioning": False}),
    "CDAN+E": ("CDANClassifier", {"entropy_conditioning": True}),
    "MCC": ("MCCClassifier", {}),
    "Deep CORAL (features)": ("DeepCORALClassifier", {"layers": ("features",)}),
    "Deep CORAL (features, weight 100)": (
        "DeepCORALClassifier",
        {"layers": ("features",), "coral_weight": 100.0},
    ),
    "Deep CORAL (output)": ("DeepCORALClassifier", {"layers": ("label_predictor",)}),
    "Deep CORAL (output, weight 10)": (
        "DeepCORALClassifier",
        {"layers": ("label_predictor",), "coral_weight": 10.0},
    ),
    "DAN (features)": ("DANClassifier", {"layers": ("features",)}),
    "DAN (features + hidden)": (
        "DANClassifier",
        {"layers": ("features", "label_predictor.1")},
    ),
    "DANN + self-training": ("DANNClassifier", {"pseudo_label_threshold": 0.9}),
    "MCC + self-training": ("MCCClassifier", {"pseudo_label_threshold": 0.9}),
    "CDAN+E + MCC": (
        "CDANClassifier",
        {"entropy_conditioning": True, "class_confusion_weight": 1.0},
    ),
    "CDAN+E + MCC + self-training": (
        "CDANClassifier",
        {
            "entropy_conditioning": True,
            "class_confusion_weight": 1.0,
            "pseudo_label_threshold": 0.9,
        },
    ),
}


def _split(source, target, n_images, seed):
    data = datasets.make_digits_shift(
        source, target, n_source=n_images, n_target=n_images, random_state=seed
    )
    y, sd = data.y, data.sample_domain
    adapt, _ = split_target_rows(y, sd, seed)
    fit_target, validation = train_test_split(
        adapt, test_size=0.25, stratify=y[adapt], random_state=seed
    )
    fit_rows = np.r_[np.flatnonzero(sd > 0), fit_target]
    y_fit = y[fit_rows].copy()
    y_fit[sd[fit_rows] < 0] = -1  # the nets never read them; made explicit
    return data.X, y, sd, fit_rows, y_fit, validation


def _score(pair, name, seed, n_images, epochs):
    import torch

    from sktransfer import deep

    torch.set_num_threads(1)
    X, y, sd, fit_rows, y_fit, validation = _split(
        *ADAPTATION_PAIRS[pair], n_images, seed
    )
    class_name, kwargs = CANDIDATES[name]
    net = getattr(deep, class_name)(
        max_epochs=epochs, batch_size=64, random_state=seed, verbose=0, **kwargs
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit(X[fit_rows], y_fit, sample_domain=sd[fit_rows])
    seconds = time.perf_counter() - start
    return pair, name, seed, net.score(X[validation], y[validation]), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--n-images", type=int, default=None, help="images per domain (default: all)"
    )
    args = add_arguments(parser).parse_args(argv)
    names = list(CANDIDATES)
    if args.quick:
        args.seeds, args.epochs, args.n_images = 1, 1, 100
        names = names[:3]
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Seeds: {args.seeds}; epochs: {args.epochs}; batch 64, Adam lr 1e-3; "
            f"images of each domain: {args.n_images or 'all'}. Validation "
            "accuracy (mean ± std over seeds) on a quarter of the adaptation "
            "half of the target rows, apart from the rows the adaptation table "
            "reports; fit seconds relative to 'AdaBN only' (DANN with "
            "lambda_max = 0: per-domain batch norm and AdaBN, no adaptation "
            "term).\n"
        )
        tasks = [
            (pair, name, seed)
            for pair in ADAPTATION_PAIRS
            for seed in range(args.seeds)
            for name in names
        ]
        results = Parallel(n_jobs=args.n_jobs, return_as="generator")(
            delayed(_score)(pair, name, seed, args.n_images, args.epochs)
            for pair, name, seed in tasks
        )
        scores, seconds = {}, {}
        for pair, name, seed, accuracy, secs in results:
            progress(f"{pair} / {name} / seed {seed}: {accuracy:.3f} ({secs:.0f} s)")
            scores.setdefault((pair, name), []).append(accuracy)
            seconds.setdefault((pair, name), []).append(secs)
        rows = []
        for pair in ADAPTATION_PAIRS:
            base = np.mean(seconds[pair, "AdaBN only"])
            for name in names:
                values = scores[pair, name]
                rows.append(
                    (
                        pair,
                        name,
                        f"{np.mean(values):.3f} ± {np.std(values):.3f}",
                        f"{np.mean(seconds[pair, name]) / base:.2f}",
                    )
                )
        report.table(
            ["pair", "candidate", "validation accuracy", "time / AdaBN only"], rows
        )


if __name__ == "__main__":
    main()
