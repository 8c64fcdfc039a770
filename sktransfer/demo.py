"""The toolkit's main job on embedded data: the lecture's adaptation table.

``python -m sktransfer demo`` (or ``sktransfer demo``, ``make demo``) trains,
on the real digit domain pairs of :mod:`sktransfer.datasets` (MNIST 5k ->
MNIST-M style, UCI digits -> MNIST), the same small CNN source-only, with
subspace alignment and CORAL on its features, as a domain-adversarial network
(DANN), as the best of the nets past DANN (CDAN+E with minimum class
confusion), and on labelled target rows, and prints target accuracy and the
share of the gap closed, as in Ganin & Lempitsky's table. It saves a plot of
the features of both domains, coloured by class, before and after
adaptation.

``python -m sktransfer shift`` measures how far apart the domains of every
data set are: proxy A-distance, MMD permutation test, and the target accuracy
a linear model loses.
"""

import argparse
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import datasets
from ._domain import unpack_domains
from .alignment import CORAL, SubspaceAlignment
from .baseline import SourceOnlyClassifier
from .deep import (
    CDANClassifier,
    DANClassifier,
    DANNClassifier,
    DeepCORALClassifier,
    MCCClassifier,
)
from .exceptions import NoTargetDomainWarning
from .metrics import mmd_test, proxy_a_distance
from .pipeline import make_da_pipeline

__all__ = [
    "ADAPTATION_PAIRS",
    "DEEP_METHODS",
    "DEMO_METHODS",
    "SHIFT_PAIRS",
    "ShiftReport",
    "adaptation_table",
    "main",
    "measure_shift",
    "split_target_rows",
]

#: The domain pairs whose shift ``shift`` measures: name -> builder(seed, n).
SHIFT_PAIRS = {
    "breast_cancer, biased selection": lambda seed, n: datasets.make_biased_selection(
        "breast_cancer", bias=4.0, random_state=seed
    ),
    "digits, biased selection": lambda seed, n: datasets.make_biased_selection(
        "digits", bias=1.5, random_state=seed
    ),
    "penguins Biscoe -> Dream": lambda seed, n: datasets.load_penguins_islands(
        "Biscoe", "Dream"
    ),
    "penguins Torgersen -> Biscoe": lambda seed, n: datasets.load_penguins_islands(
        "Torgersen", "Biscoe"
    ),
    "UCI digits -> MNIST": lambda seed, n: datasets.make_digits_shift(
        "uci", "mnist", n_source=n, n_target=n, random_state=seed
    ),
    "MNIST -> MNIST-M": lambda seed, n: datasets.make_digits_shift(
        "mnist", "mnist_m", n_source=n, n_target=n, random_state=seed
    ),
    "UCI digits -> MNIST-M": lambda seed, n: datasets.make_digits_shift(
        "uci", "mnist_m", n_source=n, n_target=n, random_state=seed
    ),
}


@dataclass
class ShiftReport:
    """Shift measures and the accuracy it costs, for one domain pair."""

    pair: str
    n_source: int
    n_target: int
    proxy_a_distance: float
    mmd2: float
    mmd_pvalue: float
    source_only: float
    train_on_target: float
    seconds: float


def _linear_model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))


def measure_shift(pair, data, *, n_permutations=200, random_state=0):
    """Measure one domain pair.

    Parameters
    ----------
    pair : str
        Name of the pair, for the report.

    data : Bunch
        A data set with ``X``, ``y`` (true labels of every row) and
        ``sample_domain``, as :mod:`sktransfer.datasets` builds them.

    n_permutations : int, default=200
        Permutations of the MMD test.

    random_state : int, default=0
        Seeds the test and the folds.

    Returns
    -------
    report : ShiftReport
        The measures.
    """
    start = time.perf_counter()
    X = data.X.reshape(data.X.shape[0], -1)
    Xs, ys, Xt, yt = unpack_domains(X, data.y, data.sample_domain)
    test = mmd_test(Xs, Xt, n_permutations=n_permutations, random_state=random_state)
    pad = proxy_a_distance(Xs, Xt, random_state=random_state)
    source_only = SourceOnlyClassifier(_linear_model()).fit(
        X, data.y, sample_domain=data.sample_domain
    )
    folds = StratifiedKFold(5, shuffle=True, random_state=random_state)
    on_target = cross_val_score(_linear_model(), Xt, yt, cv=folds).mean()
    return ShiftReport(
        pair=pair,
        n_source=Xs.shape[0],
        n_target=Xt.shape[0],
        proxy_a_distance=pad,
        mmd2=test.statistic,
        mmd_pvalue=test.pvalue,
        source_only=source_only.score(Xt, yt),
        train_on_target=float(on_target),
        seconds=time.perf_counter() - start,
    )


def format_table(reports):
    """Render reports as a Markdown table."""
    lines = [
        "| pair | n_s | n_t | proxy A-dist | MMD^2 | MMD p-value | source-only acc "
        "| train-on-target acc | s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        lines.append(
            f"| {r.pair} | {r.n_source} | {r.n_target} | {r.proxy_a_distance:.3f} "
            f"| {r.mmd2:.4f} | {r.mmd_pvalue:.4f} | {r.source_only:.3f} "
            f"| {r.train_on_target:.3f} | {r.seconds:.1f} |"
        )
    return "\n".join(lines)


#: The digit pairs of the adaptation table: name -> (source, target).
ADAPTATION_PAIRS = {
    "MNIST -> MNIST-M": ("mnist", "mnist_m"),
    "UCI digits -> MNIST": ("uci", "mnist"),
}


def split_target_rows(y, sample_domain, random_state):
    """The target rows in halves: unlabeled rows for the fit, and test rows.

    Drawn at random and stratified by label, so that every class is in both
    halves in its share.

    Returns
    -------
    adapt, test : ndarray of int
        Row indices of each half.
    """
    target_rows = np.flatnonzero(sample_domain < 0)
    adapt, test = train_test_split(
        target_rows,
        test_size=0.5,
        stratify=y[target_rows],
        random_state=random_state,
    )
    return adapt, test


#: The domain-adaptation nets the adaptation table can train: name -> (net
#: class, its parameters beyond the shared ones). Each is a setting a user
#: would keep: the class's defaults, or one documented combination.
DEEP_METHODS = {
    "DANN": (DANNClassifier, {}),
    "CDAN": (CDANClassifier, {}),
    "CDAN+E": (CDANClassifier, {"entropy_conditioning": True}),
    "MCC": (MCCClassifier, {}),
    "Deep CORAL": (DeepCORALClassifier, {}),
    "DAN": (DANClassifier, {}),
    "CDAN+E + MCC": (
        CDANClassifier,
        {"entropy_conditioning": True, "class_confusion_weight": 1.0},
    ),
    "MCC + self-training": (MCCClassifier, {"pseudo_label_threshold": 0.9}),
}

#: What the demo trains beside the baselines: DANN and the best of the others
#: (chosen on validation rows by ``benchmarks/deep_adaptation_defaults.py``).
DEMO_METHODS = ("DANN", "CDAN+E + MCC")


def adaptation_table(
    source,
    target,
    *,
    methods=DEMO_METHODS,
    n_source=None,
    n_target=None,
    max_epochs=30,
    random_state=0,
    keep_features=True,
    progress=print,
):
    """Source-only, SA, CORAL, deep methods and train-on-target on one digit pair.

    Half of the target rows (drawn at random, stratified by label),
    unlabeled, join the source rows for adaptation; the other half, never
    seen in training, is the test set of every row.
    Every network is the same small CNN (Adam, ``max_epochs``, batches of
    64): a :class:`~sktransfer.DANNClassifier` trained on source rows only
    or on the labelled target half, and each net of ``methods`` (names of
    :data:`DEEP_METHODS`) trained with its adaptation terms. SA and CORAL
    align the features of the source-only network, then a logistic
    regression is trained on the aligned source rows.

    Returns
    -------
    rows : dict
        Method name -> ``{"accuracy", "seconds", "features", "domain",
        "labels", "fit_rows"}``: the learned features of every row (those of
        the source-only network and of each deep method, when
        ``keep_features``; else None), the domains and labels of the rows,
        and which rows the adaptation saw, for the plot.
    """
    data = datasets.make_digits_shift(
        source, target, n_source=n_source, n_target=n_target, random_state=random_state
    )
    X, y, sd = data.X, data.y, data.sample_domain
    adapt, test = split_target_rows(y, sd, random_state)
    fit_rows = np.r_[np.flatnonzero(sd > 0), adapt]
    source = sd > 0
    net = {
        "max_epochs": max_epochs,
        "batch_size": 64,
        "random_state": random_state,
        "verbose": 0,
    }

    def timed(name, fit):
        progress(f"  {name} ...")
        start = time.perf_counter()
        model = fit()
        return model, time.perf_counter() - start

    rows = {}
    with warnings.catch_warnings():
        # The source-only and train-on-target rows fit without target rows,
        # on purpose.
        warnings.simplefilter("ignore", NoTargetDomainWarning)
        source_only, seconds = timed(
            "source only", lambda: DANNClassifier(**net).fit(X[source], y[source])
        )
        on_target, target_seconds = timed(
            "train on target", lambda: DANNClassifier(**net).fit(X[adapt], y[adapt])
        )
    features = source_only.transform(X)
    rows["source only"] = (
        source_only.score(X[test], y[test]),
        seconds,
        features if keep_features else None,
    )
    for name, aligner in (
        # A shift of appearance: each domain's own mean goes, as published.
        ("SA", SubspaceAlignment(n_components=40, center="domain")),
        ("CORAL", CORAL(center="domain")),
    ):
        aligned, align_seconds = timed(
            name,
            lambda aligner=aligner: make_da_pipeline(
                StandardScaler(), aligner, SourceOnlyClassifier(_linear_model())
            ).fit(features[fit_rows], y[fit_rows], sample_domain=sd[fit_rows]),
        )
        rows[name] = (
            aligned.score(features[test], y[test]),
            seconds + align_seconds,
            None,
        )
    for name in methods:
        cls, params = DEEP_METHODS[name]
        model, fit_seconds = timed(
            name,
            lambda cls=cls, params=params: cls(**net, **params).fit(
                X[fit_rows], y[fit_rows], sample_domain=sd[fit_rows]
            ),
        )
        rows[name] = (
            model.score(X[test], y[test]),
            fit_seconds,
            model.transform(X) if keep_features else None,
        )
    rows["train on target"] = (on_target.score(X[test], y[test]), target_seconds, None)
    return {
        name: {
            "accuracy": accuracy,
            "seconds": secs,
            "features": feats,
            "domain": sd,
            "labels": y,
            "fit_rows": fit_rows,
        }
        for name, (accuracy, secs, feats) in rows.items()
    }


def gap_closed(accuracy, source_only, on_target):
    """Share of the source-only to train-on-target gap that a method closes."""
    gap = on_target - source_only
    return (accuracy - source_only) / gap if gap > 0 else float("nan")


def _plot_features(tables, path):
    """Features of both domains, coloured by class, before and after adaptation.

    One row per pair, one :class:`~sktransfer.metrics.DomainShiftDisplay`
    per network whose features were kept: the source rows as dots, the
    target rows as crosses, each class in its own colour, projected on the
    first two principal components of that network's features, the MMD
    test's p-value and the proxy A-distance of the features in the title.
    Aligned classes put dots and crosses of one colour together; aligned
    domains with mismatched classes put them apart.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from .metrics import DomainShiftDisplay

    names = [
        name
        for name, row in next(iter(tables.values())).items()
        if row["features"] is not None
    ]
    fig, axes = plt.subplots(
        len(tables),
        len(names),
        figsize=(4.5 * len(names), 4.6 * len(tables)),
        squeeze=False,
    )
    for row, (pair, table) in zip(axes, tables.items(), strict=True):
        for ax, name in zip(row, names, strict=True):
            rows = table[name]
            fitted = rows["fit_rows"]
            # The true target labels only colour the points.
            DomainShiftDisplay.from_estimator(
                None,
                rows["features"][fitted],
                rows["labels"][fitted],
                sample_domain=rows["domain"][fitted],
                max_samples=400,
                random_state=0,
                name=f"{pair}\n{name}: {rows['accuracy']:.2f} on target",
                ax=ax,
                hue="class",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("")
            ax.set_ylabel("")
            ax.get_legend().remove()
    handles = [
        plt.Line2D([], [], ls="", marker="o", color="grey", label="source"),
        plt.Line2D([], [], ls="", marker="x", color="grey", label="target"),
    ] + [
        plt.Line2D(
            [], [], ls="", marker="s", color=plt.get_cmap("tab10")(k), label=str(k)
        )
        for k in range(10)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=12, fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def run_demo(*, epochs=10, n_images=1500, seed=0, plot="sktransfer-demo.png"):
    """Print the adaptation table for every pair of :data:`ADAPTATION_PAIRS`."""
    print(__doc__.strip().splitlines()[0])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"{epochs} epochs, {n_images} images a domain, seed {seed}, on {device}\n")
    tables = {}
    for pair, (source, target) in ADAPTATION_PAIRS.items():
        print(pair, flush=True)
        tables[pair] = adaptation_table(
            source,
            target,
            n_source=n_images,
            n_target=n_images,
            max_epochs=epochs,
            random_state=seed,
            progress=lambda message: print(message, flush=True),
        )
    print()
    print(format_adaptation(tables))
    if plot and _plot_features(tables, plot):
        print(f"\nfeatures by domain and class, before and after adaptation: {plot}")
    return tables


def format_adaptation(tables):
    """The adaptation tables as one Markdown table."""
    lines = [
        "| pair | method | target accuracy | gap closed | seconds |",
        "| --- | --- | --- | --- | --- |",
    ]
    for pair, table in tables.items():
        low = table["source only"]["accuracy"]
        high = table["train on target"]["accuracy"]
        for name, row in table.items():
            closed = gap_closed(row["accuracy"], low, high)
            lines.append(
                f"| {pair} | {name} | {row['accuracy']:.3f} | {closed:.0%} "
                f"| {row['seconds']:.1f} |"
            )
    return "\n".join(lines)


def run_shift(*, n_images=600, permutations=200, seed=0):
    """Print the shift measures of every pair of :data:`SHIFT_PAIRS`."""
    print(
        "A p-value at its floor 1/(permutations+1) means no permutation came "
        "close; source-only vs train-on-target is the gap to close.\n"
    )
    reports = []
    for pair, build in SHIFT_PAIRS.items():
        reports.append(
            measure_shift(
                pair,
                build(seed, n_images),
                n_permutations=permutations,
                random_state=seed,
            )
        )
        print(f"  measured {pair} in {reports[-1].seconds:.1f} s", flush=True)
    print()
    print(format_table(reports))
    return reports


def main(argv=None):
    """Command-line entry point: ``sktransfer demo`` and ``sktransfer shift``."""
    parser = argparse.ArgumentParser(
        prog="sktransfer", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="the adaptation table on digit pairs")
    demo.add_argument("--epochs", type=int, default=10)
    demo.add_argument(
        "--n-images", type=int, default=1500, help="images per domain (default: 1500)"
    )
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument(
        "--plot",
        default="sktransfer-demo.png",
        help="where to save the feature plot ('' for none)",
    )
    shift = commands.add_parser("shift", help="shift measures of every data-set pair")
    shift.add_argument("--n-images", type=int, default=600)
    shift.add_argument("--permutations", type=int, default=200)
    shift.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "shift":
        return run_shift(
            n_images=args.n_images, permutations=args.permutations, seed=args.seed
        )
    defaults = {
        "epochs": 10,
        "n_images": 1500,
        "seed": 0,
        "plot": "sktransfer-demo.png",
    }
    options = {key: getattr(args, key, value) for key, value in defaults.items()}
    return run_demo(**options)


if __name__ == "__main__":
    main()
