"""The toolkit's main job on embedded data: how far apart are the domains?

Run ``python -m sktransfer.demo`` (or ``make demo``). For each shifted data set
of :mod:`sktransfer.datasets` it prints the proxy A-distance, the MMD
permutation test and what the shift costs a linear model: the target accuracy
of a model trained on the source rows only against one trained (by
cross-validation) on target rows, the gap every adaptation method of the
toolkit tries to close.
"""

import argparse
import time
from dataclasses import dataclass

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import datasets
from ._domain import unpack_domains
from .baseline import SourceOnlyClassifier
from .metrics import mmd_test, proxy_a_distance

__all__ = ["DEMO_PAIRS", "ShiftReport", "measure_shift", "main"]

#: The domain pairs the demo measures: name -> builder(random_state, n).
DEMO_PAIRS = {
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


def main(argv=None):
    """Command-line entry point of ``python -m sktransfer.demo``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n-images", type=int, default=600, help="rows per image domain (default: 600)"
    )
    parser.add_argument(
        "--permutations",
        type=int,
        default=200,
        help="permutations of the MMD test (default: 200)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(__doc__.strip().splitlines()[0])
    print(
        "A p-value at its floor 1/(permutations+1) means no permutation came "
        "close; source-only vs train-on-target is the gap to close.\n"
    )
    reports = []
    for pair, build in DEMO_PAIRS.items():
        data = build(args.seed, args.n_images)
        reports.append(
            measure_shift(
                pair, data, n_permutations=args.permutations, random_state=args.seed
            )
        )
        print(f"  measured {pair} in {reports[-1].seconds:.1f} s", flush=True)
    print()
    print(format_table(reports))
    return reports


if __name__ == "__main__":
    main()
