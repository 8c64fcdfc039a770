"""Pretraining on unlabeled images with a surrogate task, against training from scratch.

Few labels (10 a class) and the unlabeled images of the same collection:
MNIST 5k, the UCI digits upscaled to 28x28, and an MNIST-M style set (MNIST
5k blended with photo crops). For each seed, test images are drawn at
random, stratified by label; 10 labelled images a class come from the rest,
and every non-test image is an unlabeled image to pretrain on. The body is
the LeNet-size CNN of the domain-adaptation nets (``SmallCNNFeatures``):

- scratch: its random initialisation, fine-tuned on the labelled images
  (every layer), or its random features with a logistic regression;
- each surrogate task of ``SurrogatePretrainer`` (exemplar, rotation,
  contrastive): the body pretrained on the unlabeled images, then its
  features with a logistic regression, or fine-tuned on the labelled images;
- EfficientNet-Lite0's ImageNet features (block 11, 112 px; the layer
  ``benchmarks/features.py`` picks by cross-validation on labelled MNIST
  images) with a logistic regression.

Then the domain-adaptation recipe: MNIST 5k -> MNIST-M style, the body
pretrained on the target's unlabeled images, then trained on the labelled
source images (fine-tuning) or by DANN, against the same nets from scratch.

With ``--validation`` the scores are those of validation images drawn from the
non-test images, for choosing defaults (run it with other seeds).

    python benchmarks/surrogate_pretraining.py [--seeds 3] [--first-seed 0]
        [--n-jobs 2] [--validation] [--output FILE] [--quick]
"""

import argparse
import time

import numpy as np
import torch
from _report import Report, add_arguments, progress
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import (
    load_mnist_5k,
    load_uci_digits_28,
    make_digits_shift,
    make_mnist_m,
)
from sktransfer.deep import (
    DANNClassifier,
    DeepFeatureTransformer,
    FineTunedClassifier,
    SmallCNNFeatures,
    SurrogatePretrainer,
    efficientnet_lite0_preprocessing,
    load_efficientnet_lite0,
)

DATASETS = ("MNIST 5k", "UCI digits", "MNIST-M style")
TASKS = ("exemplar", "rotation", "contrastive")
EFFICIENTNET_LAYER = "_blocks.11"


def _load(name):
    if name == "UCI digits":
        return load_uci_digits_28(return_X_y=True)
    X, y = load_mnist_5k(return_X_y=True)
    if name == "MNIST-M style":
        X = make_mnist_m(X, random_state=0)
    return X, y


def _split(y, n_test, n_labelled, seed, validation):
    """Test rows (random, stratified), labelled rows and the unlabeled pool."""
    rows = np.arange(len(y))
    pool, test = train_test_split(rows, test_size=n_test, stratify=y, random_state=seed)
    if validation:
        # Scores on validation rows from the pool; the test rows stay unseen.
        pool, test = train_test_split(
            pool, test_size=n_test, stratify=y[pool], random_state=seed
        )
    rng = np.random.default_rng(seed)
    labelled = np.concatenate(
        [rng.permutation(pool[y[pool] == k])[:n_labelled] for k in np.unique(y)]
    )
    return pool, labelled, test


def _probe(body, X, y, labelled, test, **params):
    model = make_pipeline(
        DeepFeatureTransformer(body, **params),
        StandardScaler(),
        LogisticRegression(C=0.1, max_iter=2000),
    )
    return model.fit(X[labelled], y[labelled]).score(X[test], y[test])


def _fine_tune(body, X, y, labelled, test, seed, epochs):
    net = FineTunedClassifier(
        body, early_stopping=False, max_epochs=epochs, random_state=seed, verbose=0
    )
    return net.fit(X[labelled], y[labelled]).score(X[test], y[test])


def _variants(args):
    """The pretrainings to compare: label -> SurrogatePretrainer parameters."""
    variants = {}
    for task in args.tasks:
        counts = args.n_exemplars if task == "exemplar" else [args.n_exemplars[0]]
        for count in counts:
            label = task
            if task == "exemplar" and len(counts) > 1:
                label = f"exemplar ({count} exemplars)"
            variants[label] = {
                "task": task,
                "n_exemplars": count,
                "max_epochs": args.epochs[task],
            }
    return variants


def _few_labels(name, seed, args):
    """Every method on one data set and seed: {method: accuracy}, {task: seconds}."""
    torch.set_num_threads(1)
    X, y = _load(name)
    n_test = min(args.n_test, len(y) // 4)
    pool, labelled, test = _split(y, n_test, args.labels, seed, args.validation)
    data = (X, y, labelled, test)
    torch.manual_seed(seed)
    scratch = SmallCNNFeatures(X.shape[1], X.shape[2:])
    scores = {
        "scratch, features + LR": _probe(scratch, *data),
        "scratch, fine-tuned": _fine_tune(scratch, *data, seed, args.tune_epochs),
    }
    seconds = {}
    for variant, params in _variants(args).items():
        start = time.perf_counter()
        pretrainer = SurrogatePretrainer(**params, random_state=seed, verbose=0).fit(
            X[pool]
        )
        seconds[variant] = time.perf_counter() - start
        scores[f"{variant}, features + LR"] = _probe(pretrainer.body_, *data)
        scores[f"{variant}, fine-tuned"] = _fine_tune(
            pretrainer.body_, *data, seed, args.tune_epochs
        )
    if not args.no_efficientnet:
        scores["EfficientNet-Lite0 ImageNet, features + LR"] = _probe(
            load_efficientnet_lite0().eval(),
            *data,
            layer=EFFICIENTNET_LAYER,
            preprocess=efficientnet_lite0_preprocessing(args.image_size),
            batch_size=128,
        )
    progress(f"{name}, seed {seed}: done")
    return {"data set": name, "scores": scores, "seconds": seconds, "pool": len(pool)}


def _adaptation(seed, args):
    """MNIST 5k -> MNIST-M style: target accuracy with and without pretraining."""
    torch.set_num_threads(1)
    X, y, sample_domain = make_digits_shift(
        "mnist",
        "mnist_m",
        n_source=args.n_adaptation,
        n_target=args.n_adaptation,
        return_X_y=True,
        random_state=seed,
    )
    target = np.flatnonzero(sample_domain < 0)
    # Half the target images are scored; the other half are the unlabeled
    # target rows the methods see.
    seen, test = train_test_split(
        target, test_size=0.5, stratify=y[target], random_state=seed
    )
    train = np.concatenate([np.flatnonzero(sample_domain > 0), seen])
    y_train = np.where(sample_domain[train] > 0, y[train], -1)
    start = time.perf_counter()
    pretrained = SurrogatePretrainer(
        task=args.adaptation_task,
        n_exemplars=args.n_exemplars[0],
        max_epochs=args.epochs[args.adaptation_task],
        random_state=seed,
        verbose=0,
    ).fit(X[seen])
    seconds = time.perf_counter() - start
    torch.manual_seed(seed)
    bodies = {"scratch": SmallCNNFeatures(3, (28, 28)), "pretrained": pretrained.body_}
    scores = {}
    for name, body in bodies.items():
        for suffix, freeze in (("", None), (" frozen", "body")):
            source = FineTunedClassifier(
                body,
                freeze=freeze,
                early_stopping=False,
                max_epochs=args.adaptation_epochs,
                random_state=seed,
                verbose=0,
            ).fit(X[train], y_train, sample_domain=sample_domain[train])
            scores[f"source only, {name} body{suffix}"] = source.score(X[test], y[test])
        dann = DANNClassifier(
            module__feature_extractor=body,
            max_epochs=args.adaptation_epochs,
            random_state=seed,
            verbose=0,
        ).fit(X[train], y_train, sample_domain=sample_domain[train])
        scores[f"DANN, {name} feature extractor"] = dann.score(X[test], y[test])
    progress(f"MNIST -> MNIST-M, seed {seed}: done")
    return {"data set": "adaptation", "scores": scores, "seconds": seconds}


def _cell(values):
    values = np.asarray(values)
    return f"{values.mean():.3f} ± {values.std():.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--labels", type=int, default=10, help="labels a class")
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=DATASETS)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=TASKS)
    parser.add_argument("--n-exemplars", type=int, nargs="+", default=[1000])
    parser.add_argument("--exemplar-epochs", type=int, default=60)
    parser.add_argument("--rotation-epochs", type=int, default=10)
    parser.add_argument("--contrastive-epochs", type=int, default=20)
    parser.add_argument("--tune-epochs", type=int, default=75)
    parser.add_argument("--adaptation-task", choices=TASKS, default="rotation")
    parser.add_argument("--adaptation-epochs", type=int, default=20)
    parser.add_argument(
        "--n-adaptation", type=int, default=2500, help="images a domain"
    )
    parser.add_argument("--no-adaptation", action="store_true")
    parser.add_argument("--no-efficientnet", action="store_true")
    parser.add_argument("--image-size", type=int, default=112)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.seeds, args.n_test, args.labels = 1, 40, 2
        args.exemplar_epochs = args.rotation_epochs = args.contrastive_epochs = 1
        args.tune_epochs, args.adaptation_epochs, args.image_size = 1, 1, 32
        args.datasets, args.n_adaptation = ["UCI digits"], 100
    args.epochs = {
        "exemplar": args.exemplar_epochs,
        "rotation": args.rotation_epochs,
        "contrastive": args.contrastive_epochs,
    }
    seeds = range(args.first_seed, args.first_seed + args.seeds)

    with Report(__doc__.split("\n\n")[0], args) as report:
        jobs = [
            delayed(_few_labels)(name, seed, args)
            for name in args.datasets
            for seed in seeds
        ]
        if not args.no_adaptation:
            jobs += [delayed(_adaptation)(seed, args) for seed in seeds]
        start = time.perf_counter()
        results = Parallel(n_jobs=args.n_jobs)(jobs)
        wall = time.perf_counter() - start
        few = {
            name: [r for r in results if r["data set"] == name]
            for name in args.datasets
        }
        adaptation = [r for r in results if r["data set"] == "adaptation"]
        rows = "validation" if args.validation else "test"
        report.write(
            f"{args.labels} labelled images a class; {args.n_test} {rows} images "
            "a data set (a quarter of the UCI digits' 1,797), drawn at random "
            "and stratified by label, the labelled ones from the others; "
            "every other image is an unlabeled image to pretrain on. "
            f"Accuracy, mean ± std over seeds {list(seeds)}. Body: the "
            "LeNet-size CNN (two conv blocks, 32 and 48 channels). "
            "Pretraining: SurrogatePretrainer with its defaults (Adam, "
            "lr 1e-3, batches of 128, "
            f"{' or '.join(map(str, args.n_exemplars))} exemplars, "
            "ImageAugmentation) "
            f"and {args.exemplar_epochs} epochs for the exemplar task, "
            f"{args.rotation_epochs} for rotation, {args.contrastive_epochs} "
            "for the contrastive task. Features + LR: standardised features, "
            "logistic regression with C = 0.1. Fine-tuned: "
            f"FineTunedClassifier, every layer, {args.tune_epochs} epochs, "
            f"no early stopping (nothing to hold out with {args.labels} labels "
            "a class). "
            f"EfficientNet-Lite0: {EFFICIENTNET_LAYER} at {args.image_size} px, "
            "average-pooled. Settings are fixed; none is chosen on the "
            f"{rows} rows.\n"
        )
        methods = list(next(iter(few.values()))[0]["scores"])

        def mean(name, method):
            return np.mean([r["scores"][method] for r in few[name]])

        report.write("## Few labels: accuracy\n")
        report.table(
            ["method", *args.datasets],
            [
                (
                    method,
                    *(
                        _cell([r["scores"][method] for r in few[name]])
                        for name in args.datasets
                    ),
                )
                for method in methods
            ],
        )
        variants = list(_variants(args))
        scratch = {name: mean(name, "scratch, fine-tuned") for name in args.datasets}
        report.write(
            "Gain over the body trained from scratch (fine-tuned), in points "
            "of accuracy:\n"
        )
        report.table(
            ["method", *args.datasets],
            [
                (
                    method,
                    *(
                        f"{100 * (mean(name, method) - scratch[name]):+.1f}"
                        for name in args.datasets
                    ),
                )
                for method in methods
                if method != "scratch, fine-tuned"
            ],
        )
        report.write(
            "## Pretraining time on the CPU\n\nSeconds of one pretraining on "
            "one core (one torch thread), mean over seeds:\n"
        )
        report.table(
            ["data set", "unlabeled images", *variants],
            [
                (
                    name,
                    str(few[name][0]["pool"]),
                    *(
                        f"{np.mean([r['seconds'][v] for r in few[name]]):.0f}"
                        for v in variants
                    ),
                )
                for name in args.datasets
            ],
        )
        if adaptation:
            report.write(
                "## Domain adaptation: MNIST 5k -> MNIST-M style\n\n"
                f"make_digits_shift('mnist', 'mnist_m') ({args.n_adaptation} "
                f"source images with labels, {args.n_adaptation} target "
                "images); half the target images, "
                "drawn at random and stratified, are the unlabeled target rows "
                "of the fit, the other half are scored. Pretrained: "
                f"SurrogatePretrainer(task={args.adaptation_task!r}, "
                f"{args.epochs[args.adaptation_task]} epochs) on the unlabeled "
                "target images only. Source only: FineTunedClassifier on the "
                "labelled source images (every layer, or the body frozen and a new "
                "head); DANN: DANNClassifier with the body as "
                f"module__feature_extractor; {args.adaptation_epochs} epochs "
                "each. Target accuracy:\n"
            )
            names = list(adaptation[0]["scores"])
            report.table(
                ["method", "target accuracy"],
                [(m, _cell([r["scores"][m] for r in adaptation])) for m in names],
            )
            report.write(
                "Pretraining on the target images: "
                f"{np.mean([r['seconds'] for r in adaptation]):.0f} s on one core.\n"
            )
        report.write(f"Wall time: {wall:.0f} s with {args.n_jobs} jobs in parallel.\n")


if __name__ == "__main__":
    main()
