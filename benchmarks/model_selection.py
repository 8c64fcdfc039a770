"""Choosing an adaptation without target labels: what each scorer picks.

Two families, several seeds. For each seed a grid of candidates (source
only among them) is cross-validated on the training rows (labelled source
rows and unlabeled target rows) with
:class:`~sktransfer.model_selection.DomainShuffleSplit`, and every scorer
picks the candidate with its best mean validation score. Every candidate is
also fitted on all training rows and tested on held-out target rows (half
of the target, drawn at random and stratified by label, never seen in a
fit): the figure reported for a scorer is the test accuracy of its pick.

- **reweighting** and **alignment**: covariate shift by biased selection
  (:func:`~sktransfer.datasets.make_biased_selection`; a seed whose draw
  keeps too few source rows of a class is skipped); a standardised
  logistic regression (C = 1) with source only and importance weighting by
  each weighter, or with source only, subspace alignment and CORAL.
- **DANN**: MNIST -> MNIST-M (:func:`~sktransfer.datasets.make_digits_shift`),
  :class:`~sktransfer.DANNClassifier` over ``lambda_max`` and ``max_epochs``
  (``lambda_max = 0`` is source-only training with AdaBN); one validation
  split, scored in five disjoint parts, and the networks of that split are
  the ones tested.

Rows: source only; in hindsight, the candidate best on average over the
seeds and the best candidate of each seed (on the test rows: no selection
can beat the latter); plain source cross-validation (the accuracy of the
labelled source rows of the validation folds); each scorer; and each scorer
behind :class:`~sktransfer.model_selection.BaselineUnlessBetter` (the
source-only candidate unless the pick beats it by one standard error of the
per-fold gain). "Gain kept" is a rule's mean gain over source only as a
share of the mean gain of the candidate best on average.

    python benchmarks/model_selection.py [--seeds 10] [--dann-seeds 3]
        [--families reweighting alignment dann] [--figures DIR]
        [--output FILE] [--quick]
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from _report import Report, add_arguments, progress
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from sktransfer import (
    CORAL,
    DANNClassifier,
    DAPipeline,
    ImportanceWeightedClassifier,
    SourceOnlyClassifier,
    SubspaceAlignment,
)
from sktransfer.datasets import make_biased_selection, make_digits_shift
from sktransfer.exceptions import NoTargetDomainWarning
from sktransfer.model_selection import (
    BaselineUnlessBetter,
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    ImportanceWeightedScorer,
    ModelSelectionDisplay,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
)
from sktransfer.reweight import DensityRatioWeighter, KMMReweighter

# The tasks of benchmarks/reweighting.py, and a stronger selection on digits.
TABLES = {
    "digits (pca, bias 1.5)": {"name": "digits", "bias": 1.5},
    "digits (gaussian, bias 2)": {
        "name": "digits",
        "bias": 2.0,
        "selection": "gaussian",
    },
    "wine (pca, bias 1)": {"name": "wine", "bias": 1.0},
    "breast_cancer (pca, bias 4)": {"name": "breast_cancer", "bias": 4.0},
}
VALIDATION_PARTS = 5


def _source_accuracy(estimator, X, y):
    """Plain cross-validation: accuracy on the fold's labelled (source) rows."""
    return estimator.score(X, y)


def _scorers(seed, reverse=True):
    scorers = {
        "source CV": _source_accuracy,
        "importance weighted": ImportanceWeightedScorer(),
        "deep embedded validation": DeepEmbeddedValidationScorer(random_state=seed),
        "prediction entropy": PredictionEntropyScorer(),
        "soft neighborhood density": SoftNeighborhoodDensityScorer(),
    }
    if reverse:
        scorers["reverse validation"] = ReverseValidationScorer()
    return scorers


def _logistic():
    return LogisticRegression(max_iter=5000)


def _reweighting_grid(seed):
    """Source only and importance weighting with each weighter."""
    weighters = [
        KMMReweighter(random_state=seed),
        *(
            DensityRatioWeighter(method=method, random_state=seed)
            for method in ("classifier", "kliep", "ulsif", "kde")
        ),
    ]
    return [
        {
            "align": ["passthrough"],
            "model": [SourceOnlyClassifier(_logistic())]
            + [ImportanceWeightedClassifier(_logistic(), w) for w in weighters]
            + [ImportanceWeightedClassifier(_logistic(), weighters[1], flatten=0.5)],
        }
    ]


def _alignment_grid(seed):
    """Source only, subspace alignment and CORAL, each centring."""
    return [
        {"align": ["passthrough"], "model": [SourceOnlyClassifier(_logistic())]},
        {
            "align": [
                SubspaceAlignment(center="pooled"),
                SubspaceAlignment(center="domain"),
                CORAL(center="pooled"),
                CORAL(center="domain"),
            ],
            "model": [SourceOnlyClassifier(_logistic())],
        },
    ]


GRIDS = {"reweighting": _reweighting_grid, "alignment": _alignment_grid}


def _table_search(family, seed, n_splits):
    """One pipeline whose steps are the candidates, the grid, the baseline."""
    pipe = DAPipeline(
        [
            ("scale", StandardScaler()),
            ("align", "passthrough"),
            ("model", SourceOnlyClassifier(_logistic())),
        ]
    )
    baseline = {"align": "passthrough", "model": SourceOnlyClassifier(_logistic())}
    cv = DomainShuffleSplit(n_splits=n_splits, test_size=0.2, random_state=seed)
    return pipe, GRIDS[family](seed), baseline, cv


def _name(params):
    step = params["align"] if params["align"] != "passthrough" else params["model"]
    if isinstance(step, ImportanceWeightedClassifier):
        weighter = step.weighter
        method = getattr(weighter, "method", None)
        name = f"IW {type(weighter).__name__}" + (f" {method}" if method else "")
        default = ImportanceWeightedClassifier().get_params()["flatten"]
        return name + (f", flatten={step.flatten}" if step.flatten != default else "")
    if isinstance(step, SourceOnlyClassifier):
        return "source only"
    return f"{type(step).__name__} center={step.center}"


def _split_target(X, y, sd, seed):
    """The training rows (source + half the target, unlabeled) and test rows.

    Returns ``X_train``, ``y_train`` (-1 on its target rows, whose labels no
    fit reads) and the indices of the test rows.
    """
    target = np.flatnonzero(sd < 0)
    adapt, test = train_test_split(
        target, test_size=0.5, stratify=y[target], random_state=seed
    )
    train = np.r_[np.flatnonzero(sd > 0), adapt]
    return X[train], np.where(sd[train] < 0, -1, y[train]), test


def _choices(cv_results, scorers, baseline):
    """The candidate each scorer picks, alone and behind BaselineUnlessBetter."""
    picks = {}
    for name in scorers:
        mean = np.asarray(cv_results[f"mean_test_{name}"], dtype=float)
        picks[name] = int(np.nanargmax(mean))
        if name != "source CV":
            rule = BaselineUnlessBetter(baseline, scoring=name)
            picks[f"{name}, baseline unless better"] = rule(cv_results)
    return picks


def _draws(options, n_seeds):
    """``(seed, X, y, sample_domain)`` of the first ``n_seeds`` usable draws.

    A strong selection can keep fewer than ``min_source_per_class`` rows of
    a class in the source; such a seed is skipped and the next one drawn.
    """
    seed = 0
    while n_seeds:
        try:
            draw = make_biased_selection(**options, return_X_y=True, random_state=seed)
        except ValueError as error:
            progress(f"seed {seed} skipped: {error}")
        else:
            yield (seed, *draw)
            n_seeds -= 1
        seed += 1


def tables_family(family, args, report):
    results = {}
    for table, options in TABLES.items():
        runs = []
        for seed, X, y, sd in _draws(options, args.seeds):
            X_train, y_train, test = _split_target(X, y, sd, seed)
            pipe, grid, baseline, cv = _table_search(family, seed, args.splits)
            scorers = _scorers(seed)
            search = GridSearchCV(
                pipe, grid, scoring=scorers, cv=cv, refit=False, error_score=np.nan
            ).fit(X_train, y_train)
            params = search.cv_results_["params"]
            accuracy = [
                clone(pipe)
                .set_params(**candidate)
                .fit(X_train, y_train)
                .score(X[test], y[test])
                for candidate in params
            ]
            runs.append(
                {
                    "names": [_name(p) for p in params],
                    "accuracy": np.array(accuracy),
                    "picks": _choices(search.cv_results_, scorers, baseline),
                    "baseline": BaselineUnlessBetter(baseline)._baseline_index(params),
                }
            )
            progress(f"{family}, {table}, seed {seed}: done")
        results[table] = runs
    _write_family(report, results, args.figures, family)


def _dann_candidates(lambdas, epochs):
    return [{"lambda_max": lam, "max_epochs": ep} for ep in epochs for lam in lambdas]


def dann_family(args, report):
    lambdas, epochs = (0.0, 0.1, 0.3, 1.0), (10, 30)
    if args.quick:
        lambdas, epochs = (0.0, 1.0), (1,)
    candidates = _dann_candidates(lambdas, epochs)
    runs = []
    for seed in range(args.dann_seeds):
        data = make_digits_shift(
            "mnist",
            "mnist_m",
            n_source=args.n_images,
            n_target=args.n_images,
            random_state=seed,
        )
        X, y, sd = data.X, data.y, data.sample_domain
        X_train, y_train, test = _split_target(X, y, sd, seed)
        fit_rows, valid_rows = next(
            DomainShuffleSplit(n_splits=1, test_size=0.2, random_state=seed).split(
                X_train, y_train
            )
        )
        # Disjoint parts of the validation split, each scored on its own,
        # give BaselineUnlessBetter per-part gains without training a
        # network per fold.
        parts = [
            valid_rows[part]
            for _, part in StratifiedKFold(
                VALIDATION_PARTS, shuffle=True, random_state=seed
            ).split(valid_rows, y_train[valid_rows] == -1)
        ]
        # Reverse validation would train a second network per candidate.
        scorers = _scorers(seed, reverse=False)
        scores = {name: [] for name in scorers}
        accuracy = []
        for candidate in candidates:
            start = time.perf_counter()
            net = DANNClassifier(
                **candidate, batch_size=64, random_state=seed, verbose=0
            ).fit(X_train[fit_rows], y_train[fit_rows])
            for name, scorer in scorers.items():
                scores[name].append(
                    [scorer(net, X_train[rows], y_train[rows]) for rows in parts]
                )
            accuracy.append(net.score(X[test], y[test]))
            progress(
                f"DANN seed {seed}, {candidate}: test {accuracy[-1]:.3f} "
                f"({time.perf_counter() - start:.0f} s)"
            )
        cv_results = {"params": candidates}
        for name, values in scores.items():
            values = np.array(values)  # (candidates, parts)
            cv_results[f"mean_test_{name}"] = values.mean(axis=1)
            for k in range(values.shape[1]):
                cv_results[f"split{k}_test_{name}"] = values[:, k]
        baseline = {"lambda_max": 0.0, "max_epochs": max(epochs)}
        runs.append(
            {
                "names": [
                    f"lambda_max={c['lambda_max']}, {c['max_epochs']} epochs"
                    for c in candidates
                ],
                "accuracy": np.array(accuracy),
                "picks": _choices(cv_results, scorers, baseline),
                "baseline": BaselineUnlessBetter(baseline)._baseline_index(candidates),
            }
        )
    _write_family(report, {"MNIST -> MNIST-M": runs}, args.figures, "dann")


def _fmt(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def _most_picked(names):
    values, counts = np.unique(names, return_counts=True)
    return f"{values[counts.argmax()]} ({counts.max()}/{len(names)})"


def _draw(path, title, rules, base, hindsight):
    """Each rule's picks against source only and hindsight, saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    display = ModelSelectionDisplay(
        rule_scores=rules, baseline_scores=base, hindsight_scores=hindsight
    ).plot()
    display.ax_.set_title(title, fontsize=9, loc="left")
    display.figure_.tight_layout()
    display.figure_.savefig(path, dpi=80)
    plt.close(display.figure_)


def _write_family(report, results, figures=None, family=""):
    """One table per data set: each selection rule, then each candidate.

    With ``figures`` (a folder), each table is also drawn there by
    :class:`~sktransfer.model_selection.ModelSelectionDisplay`.
    """
    for name, runs in results.items():
        accuracy = np.array([run["accuracy"] for run in runs])  # seeds x candidates
        names = runs[0]["names"]
        base = accuracy[np.arange(len(runs)), [run["baseline"] for run in runs]]
        best_fixed = int(accuracy.mean(axis=0).argmax())
        hindsight = accuracy[:, best_fixed].mean() - base.mean()
        rows = [
            ("source only", base, names[runs[0]["baseline"]]),
            ("best candidate on average", accuracy[:, best_fixed], names[best_fixed]),
            ("best candidate of each seed", accuracy.max(axis=1), None),
        ]
        for rule in runs[0]["picks"]:
            picks = [run["picks"][rule] for run in runs]
            rows.append(
                (
                    rule,
                    accuracy[np.arange(len(runs)), picks],
                    _most_picked([names[k] for k in picks]),
                )
            )
        table = []
        for rule, values, picked in rows:
            gain = values.mean() - base.mean()
            kept = f"{100 * gain / hindsight:.0f}%" if hindsight > 0 else "-"
            table.append(
                [rule, _fmt(values), f"{100 * gain:+.1f}", kept, picked or "-"]
            )
        report.write(f"### {name}\n")
        report.table(
            [
                "selection",
                "target accuracy",
                "points vs source only",
                "gain kept",
                "most picked",
            ],
            table,
        )
        report.table(
            ["candidate", "target accuracy"],
            [[candidate, _fmt(accuracy[:, k])] for k, candidate in enumerate(names)],
        )
        if figures:
            slug = "".join(c if c.isalnum() else "_" for c in f"{family}_{name}")
            path = Path(figures) / f"model_selection_{slug}.png"
            _draw(
                path,
                f"{family}: {name}, {len(runs)} seeds",
                {rule: values for rule, values, _ in rows[3:]},
                base,
                accuracy[:, best_fixed],
            )
            report.write(f"Figure: `{path}`\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--dann-seeds", type=int, default=3)
    parser.add_argument(
        "--n-images", type=int, default=2000, help="images per domain (DANN)"
    )
    parser.add_argument(
        "--families",
        nargs="+",
        choices=(*GRIDS, "dann"),
        default=[*GRIDS, "dann"],
    )
    parser.add_argument(
        "--figures",
        help="also draw each table with ModelSelectionDisplay into this folder",
    )
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.seeds, args.splits, args.dann_seeds, args.n_images = 1, 2, 1, 100

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Tables: {args.seeds} seeds, DomainShuffleSplit with {args.splits} "
            f"splits of 20%. DANN: {args.dann_seeds} seeds, {args.n_images} "
            "images a domain, one validation split of 20%, batch 64, Adam "
            "lr 1e-3. Mean ± std over seeds of the target test accuracy.\n"
        )
        with warnings.catch_warnings():
            # A validation fold without target rows cannot happen with
            # DomainShuffleSplit; source-only candidates fit no target rows.
            warnings.simplefilter("ignore", NoTargetDomainWarning)
            for family in GRIDS:
                if family in args.families:
                    report.write(
                        f"## {family.capitalize()} on biased-selection tables\n"
                    )
                    tables_family(family, args, report)
            if "dann" in args.families:
                report.write("## DANN on MNIST -> MNIST-M\n")
                dann_family(args, report)


if __name__ == "__main__":
    main()
