"""Instance reweighting on real biased-selection tasks, all methods side by side.

For each task of :func:`sktransfer.datasets.make_biased_selection` and each
report seed, the target rows are split at random, stratified by label, into
an adaptation half and a test half. Every weighter is fitted on the source
rows and the adaptation half (its labels hidden); a logistic regression (its
C chosen by cross-validation on the labelled source rows) and an RBF SVM are
then trained on the source rows with ``sample_weight = beta``
(:class:`ImportanceWeightedClassifier`) and scored on the test half, which
no fit sees. "source only" trains without weights; "train on target" trains
the same model on the labelled adaptation half, for reference. Features are
standardised on the source rows and the adaptation half. The weighters run
at the package's defaults, which ``adaptation_defaults.py`` checks on
selection seeds (from 100) disjoint from these (from 0). Seconds are per
weight fit; ESS is Kish's effective sample size of the weights, against the
number of source rows.

    python benchmarks/reweighting.py [--seeds 10] [--output FILE] [--quick]
"""

import argparse
import time
import warnings

import numpy as np
from _biased_selection import (
    C_GRID,
    REPORT_FIRST_SEED,
    SELECTION_FIRST_SEED,
    draws,
    seed_ranges,
    source_search,
    split,
)
from _report import Report, add_arguments, progress
from sklearn.base import clone
from sklearn.svm import SVC

from sktransfer import SourceOnlyClassifier
from sktransfer.reweight import (
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    KMMReweighter,
)

TASKS = {
    "digits (pca, bias 1.5)": {"name": "digits", "bias": 1.5},
    "wine (pca, bias 1)": {"name": "wine", "bias": 1.0},
    "breast_cancer (pca, bias 4)": {"name": "breast_cancer", "bias": 4.0},
    "breast_cancer (gaussian, bias 2)": {
        "name": "breast_cancer",
        "bias": 2.0,
        "selection": "gaussian",
    },
}
MODELS = ("logistic (C by source CV)", "RBF SVM")


def _models(draw, seed):
    search = source_search(draw, seed)
    return search.best_params_["C"], dict(
        zip(MODELS, (search.best_estimator_, SVC()), strict=True)
    )


WEIGHTERS = {
    "KMM": lambda seed: KMMReweighter(random_state=seed),
    **{
        method: (
            lambda seed, method=method: DensityRatioWeighter(
                method=method, random_state=seed
            )
        )
        for method in ("kde", "classifier", "kliep", "ulsif", "rulsif")
    },
}


def _fmt(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = add_arguments(parser).parse_args(argv)
    tasks = TASKS
    if args.quick:
        args.seeds, tasks = 1, {"wine (pca, bias 1)": TASKS["wine (pca, bias 1)"]}
    warnings.simplefilter("ignore", category=UserWarning)

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Test accuracy, mean ± std over {args.seeds} report seeds. Each "
            "draw's target rows are split at random, stratified by label, into "
            "an adaptation half (fitted on without its labels) and a test half "
            "(scored only; no fit sees it, the standardisation included). The "
            "weighters keep the package's defaults, which "
            "`benchmarks/adaptation_defaults.py` checks on selection seeds "
            f"from {SELECTION_FIRST_SEED}, disjoint from these; the logistic "
            "regression's C is "
            f"chosen per seed among {list(C_GRID)} by 5-fold cross-validation "
            "on the labelled source rows (the same C for every method of a "
            "seed); the SVM keeps scikit-learn's defaults. No setting is "
            'chosen on target rows. "train on target" trains the same model '
            "on the labelled adaptation half.\n"
        )
        table, chosen, seeds = [], {}, {}
        for task, params in tasks.items():
            rows = {
                name: {"acc": {m: [] for m in MODELS}, "s": [], "ess": []}
                for name in ["source only", *WEIGHTERS, "train on target"]
            }
            sizes = []
            for seed, data in draws(params, REPORT_FIRST_SEED, args.seeds):
                seeds.setdefault(task, []).append(seed)
                draw = split(data, seed)
                X, y, sd = draw.X, draw.y, draw.sample_domain
                sizes.append(((sd > 0).sum(), (sd < 0).sum(), len(draw.y_test)))
                C, models = _models(draw, seed)
                chosen.setdefault(task, []).append(C)
                for name, make in WEIGHTERS.items():
                    start = time.perf_counter()
                    make(seed).fit(X, sample_domain=sd)
                    rows[name]["s"].append(time.perf_counter() - start)
                for model_name, model in models.items():
                    source_only = SourceOnlyClassifier(model).fit(
                        X, y, sample_domain=sd
                    )
                    rows["source only"]["acc"][model_name].append(
                        source_only.score(draw.X_test, draw.y_test)
                    )
                    rows["train on target"]["acc"][model_name].append(
                        clone(model)
                        .fit(X[sd < 0], draw.y_adaptation)
                        .score(draw.X_test, draw.y_test)
                    )
                    for name, make in WEIGHTERS.items():
                        clf = ImportanceWeightedClassifier(model, make(seed))
                        clf.fit(X, y, sample_domain=sd)
                        rows[name]["ess"].append(clf.effective_sample_size_)
                        rows[name]["acc"][model_name].append(
                            clf.score(draw.X_test, draw.y_test)
                        )
            progress(f"{task}: done")
            n_s, n_adaptation, n_test = np.mean(sizes, axis=0)
            for name, row in rows.items():
                table.append(
                    (
                        task,
                        f"{n_s:.0f} / {n_adaptation:.0f} / {n_test:.0f}",
                        name,
                        *(_fmt(row["acc"][m]) for m in MODELS),
                        f"{np.mean(row['s']):.3f}" if row["s"] else "",
                        f"{np.mean(row['ess']):.0f}" if row["ess"] else "",
                    )
                )
        report.write("Report seeds, per task:\n")
        report.table(
            ["task", "seeds"], [(task, seed_ranges(s)) for task, s in seeds.items()]
        )
        report.table(
            [
                "task",
                "n_s / n_t adaptation / n_t test",
                "method",
                *MODELS,
                "s per weight fit",
                "ESS",
            ],
            table,
        )
        report.write("The C that source cross-validation chose, per task:\n")
        report.table(
            ["task", *(f"C = {c:g}" for c in C_GRID)],
            [
                (task, *(f"{values.count(c)} seeds" for c in C_GRID))
                for task, values in chosen.items()
            ],
        )


if __name__ == "__main__":
    main()
