"""Instance reweighting on real biased-selection tasks, all methods side by side.

For each task of :func:`sktransfer.datasets.make_biased_selection` and each
seed, every weighter is fitted on the source rows and the (unlabeled) target
rows; a logistic regression (its C chosen by cross-validation on the
labelled source rows) and an RBF SVM are then trained on the source rows
with ``sample_weight = beta`` (:class:`ImportanceWeightedClassifier`) and
scored on the target rows. "source only" trains without weights;
"train on target" is the 5-fold cross-validated accuracy of the same model
trained on target rows, for reference. Features are standardised on all rows.
Seconds are per weight fit; ESS is Kish's effective sample size of the
weights, against the number of source rows.

    python benchmarks/reweighting.py [--seeds 10] [--output FILE] [--quick]
"""

import argparse
import time
import warnings

import numpy as np
from _report import Report, add_arguments, progress
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sktransfer import SourceOnlyClassifier
from sktransfer.datasets import make_biased_selection
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
# The logistic regression's C is chosen per task and seed by cross-validation
# on the labelled source rows, as a user without target labels would.
C_GRID = (0.01, 0.1, 1.0, 10.0)
MODELS = ("logistic (C by source CV)", "RBF SVM")


def _models(X_source, y_source, seed):
    search = GridSearchCV(
        LogisticRegression(max_iter=5000),
        {"C": C_GRID},
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
    ).fit(X_source, y_source)
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
            f"Target accuracy, mean ± std over {args.seeds} seeds. The weighters "
            "keep their defaults; the logistic regression's C is chosen per seed "
            f"among {list(C_GRID)} by 5-fold cross-validation on the labelled "
            "source rows (the same C for every method of a seed); the SVM keeps "
            "scikit-learn's defaults. No setting is chosen on target rows.\n"
        )
        table, chosen = [], {}
        for task, params in tasks.items():
            rows = {
                name: {"acc": {m: [] for m in MODELS}, "s": [], "ess": []}
                for name in ["source only", *WEIGHTERS, "train on target"]
            }
            sizes = []
            for seed in range(args.seeds):
                data = make_biased_selection(**params, random_state=seed)
                X = StandardScaler().fit_transform(data.X)
                y, sd = data.y, data.sample_domain
                target = sd < 0
                sizes.append(((sd > 0).sum(), target.sum()))
                C, models = _models(X[sd > 0], y[sd > 0], seed)
                chosen.setdefault(task, []).append(C)
                folds = StratifiedKFold(5, shuffle=True, random_state=seed)
                for name, make in WEIGHTERS.items():
                    start = time.perf_counter()
                    make(seed).fit(X, sample_domain=sd)
                    rows[name]["s"].append(time.perf_counter() - start)
                for model_name, model in models.items():
                    source_only = SourceOnlyClassifier(model).fit(
                        X, y, sample_domain=sd
                    )
                    rows["source only"]["acc"][model_name].append(
                        source_only.score(X[target], y[target])
                    )
                    rows["train on target"]["acc"][model_name].append(
                        cross_val_score(model, X[target], y[target], cv=folds).mean()
                    )
                    for name, make in WEIGHTERS.items():
                        clf = ImportanceWeightedClassifier(model, make(seed))
                        clf.fit(X, y, sample_domain=sd)
                        rows[name]["ess"].append(clf.effective_sample_size_)
                        rows[name]["acc"][model_name].append(
                            clf.score(X[target], y[target])
                        )
            progress(f"{task}: done")
            n_s, n_t = np.mean(sizes, axis=0)
            for name, row in rows.items():
                table.append(
                    (
                        task,
                        f"{n_s:.0f} / {n_t:.0f}",
                        name,
                        *(_fmt(row["acc"][m]) for m in MODELS),
                        f"{np.mean(row['s']):.3f}" if row["s"] else "",
                        f"{np.mean(row['ess']):.0f}" if row["ess"] else "",
                    )
                )
        report.table(
            ["task", "n_s / n_t", "method", *MODELS, "s per weight fit", "ESS"], table
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
