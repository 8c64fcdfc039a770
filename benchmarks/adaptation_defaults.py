"""The defaults of the weighters and aligners, measured against source-only.

Every default of :mod:`sktransfer.reweight` and :mod:`sktransfer.alignment`
must be set without target labels, so each candidate here is a rule that
reads only ``X`` and the domains (the median heuristic, ``B / sqrt(n_s)``, a
floor on the effective sample size, a shrinkage of the covariances). Each is
measured by what it costs or gains against source-only under covariate
shift: the tasks of :func:`sktransfer.datasets.make_biased_selection`
(sample-selection bias on the first principal component), each draw's target
rows split at random, stratified by label, into an adaptation half (fitted
on without its labels) and a test half (scored only, no fit sees it), the
features standardised on the source rows and the adaptation half, a logistic
regression whose C is chosen per draw by 5-fold cross-validation on the
labelled source rows (the same C for every candidate of a draw).

Each decision sets some parameters of one estimator, every other setting at
the package's default; its options are the default before this benchmark
("old"), the package's default now and alternatives. The rule: an option
passes when its mean change of test accuracy against source-only is at
least -1 point on every task (with every weighter, for the parameters of
``ImportanceWeightedClassifier``); the old default is kept when it passes,
else the passing option that changes the fewest of its settings is chosen,
the one with the best worst mean among those; when none passes, the option
with the best worst mean. The rule chooses on selection seeds (from 100);
the figures are reported on other seeds (from 0), with what the rule would
pick on them.

    python benchmarks/adaptation_defaults.py [--seeds 10] [--output FILE] [--quick]
"""

import argparse
import warnings
from dataclasses import dataclass, field

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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances

from sktransfer import CORAL, SourceOnlyClassifier, SubspaceAlignment, make_da_pipeline
from sktransfer.reweight import (
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    KMMReweighter,
)

TASKS = {
    "digits (bias 1)": {"name": "digits", "bias": 1.0},
    "digits (bias 1.5)": {"name": "digits", "bias": 1.5},
    "wine (bias 1)": {"name": "wine", "bias": 1.0},
    "breast_cancer (bias 1)": {"name": "breast_cancer", "bias": 1.0},
    "breast_cancer (bias 3)": {"name": "breast_cancer", "bias": 3.0},
    "iris (bias 1)": {"name": "iris", "bias": 1.0},
}
# The rule's threshold: the least mean change of test accuracy, in points.
THRESHOLD = -1.0


class _Rule:
    """A setting computed from the fitted rows and the other settings."""

    def __init__(self, name, compute):
        self.name, self.compute = name, compute

    def __repr__(self):
        return self.name


FOUR_X_MEDIAN = _Rule("4 x median", lambda context, params: 4 * context["gamma"])
B_OVER_SQRT_NS = _Rule(
    "B / sqrt(n_s)", lambda context, params: params["B"] / np.sqrt(context["n_s"])
)

# The estimators a candidate is made of, at the package's defaults.
WEIGHTERS = {
    "KMM": KMMReweighter,
    **{
        method: (
            lambda method=method, **params: DensityRatioWeighter(
                method=method, **params
            )
        )
        for method in ("kde", "classifier", "kliep", "ulsif", "rulsif")
    },
}
ALIGNERS = {"SA": SubspaceAlignment, "CORAL": CORAL}
# Settings of a weighter's candidate that go to ImportanceWeightedClassifier.
_IWC_PARAMS = ("flatten", "clip")


def _model(family, overrides, context):
    """``family`` at the package's defaults but ``overrides``, for one draw."""
    params = {
        name: value.compute(context, overrides) if isinstance(value, _Rule) else value
        for name, value in overrides.items()
    }
    logistic = LogisticRegression(C=context["C"], max_iter=5000)
    if family in ALIGNERS:
        return make_da_pipeline(
            ALIGNERS[family](**params), SourceOnlyClassifier(logistic)
        )
    iwc = {name: params.pop(name) for name in _IWC_PARAMS if name in params}
    weighter = WEIGHTERS[family](random_state=context["seed"], **params)
    return ImportanceWeightedClassifier(logistic, weighter, **iwc)


def _name(family, overrides):
    """A candidate's name: its family and what differs from the defaults."""
    changes = ", ".join(f"{name}={value!r}" for name, value in overrides.items())
    return f"{family}, {changes or 'defaults'}"


@dataclass(frozen=True)
class Decision:
    """The defaults of some parameters of one estimator, and their options.

    Parameters
    ----------
    estimator : str
        What the parameters belong to.
    factory : callable
        The estimator's class, or a function of its keyword arguments that
        makes it: its defaults are the package's.
    params : tuple of str
        The parameters decided.
    families : tuple of str
        The weighters or aligners each option is measured with.
    old : dict
        The default before this benchmark, as the parameters that differ
        from the package's default.
    alternatives : tuple of dict
        The other options, the same way.
    """

    estimator: str
    factory: object
    params: tuple
    families: tuple
    old: dict = field(default_factory=dict)
    alternatives: tuple = ()

    @property
    def package(self):
        defaults = self.factory().get_params(deep=False)
        return {name: defaults[name] for name in self.params}

    def options(self):
        """Label -> overrides of the package's defaults; old, package, others."""
        options = {}
        for overrides in (self.old, {}, *self.alternatives):
            settings = {**self.package, **overrides}
            label = ", ".join(f"{name}={value!r}" for name, value in settings.items())
            options.setdefault(label, overrides)
        return options

    def changes(self, overrides):
        """How many of the decided parameters ``overrides`` sets apart from old."""
        old = {**self.package, **self.old}
        return sum(
            repr({**self.package, **overrides}[name]) != repr(old[name])
            for name in self.params
        )

    def candidates(self, overrides):
        """The candidate names an option is measured by, one per family."""
        return [_name(family, overrides) for family in self.families]


DECISIONS = (
    Decision(
        "ImportanceWeightedClassifier",
        ImportanceWeightedClassifier,
        ("flatten", "clip"),
        tuple(WEIGHTERS),
        old={"flatten": 1.0},
        alternatives=({"flatten": 0.5}, {"flatten": 1.0, "clip": 5.0}),
    ),
    Decision(
        "KMMReweighter",
        KMMReweighter,
        ("gamma", "B", "eps"),
        ("KMM",),
        alternatives=(
            {"gamma": FOUR_X_MEDIAN},
            {"B": 10.0},
            {"B": 10.0, "eps": B_OVER_SQRT_NS},
        ),
    ),
    Decision(
        "DensityRatioWeighter('kde')",
        WEIGHTERS["kde"],
        ("bandwidth",),
        ("kde",),
        old={"bandwidth": "scott"},
        alternatives=({"bandwidth": "silverman"},),
    ),
    Decision(
        "SubspaceAlignment",
        SubspaceAlignment,
        ("center",),
        ("SA",),
        old={"center": "domain"},
    ),
    Decision(
        "CORAL",
        CORAL,
        ("center", "alpha"),
        ("CORAL",),
        old={"center": "domain"},
        alternatives=(
            {"alpha": 1e-5},
            {"alpha": 10.0},
            {"alpha": 100.0},
            {"center": "domain", "alpha": 100.0},
        ),
    ),
)
# Each estimator's defaults before this benchmark, all at once.
OLD_DEFAULTS = {
    **{family: {"flatten": 1.0} for family in WEIGHTERS},
    "kde": {"bandwidth": "scott", "flatten": 1.0},
    "SA": {"center": "domain"},
    "CORAL": {"center": "domain"},
}


def pick(worst, changes, old, threshold=THRESHOLD):
    """The option the rule picks, from each option's worst mean change.

    Parameters
    ----------
    worst : dict
        Option -> its worst mean change against source-only, in points,
        over the tasks (and the weighters it is measured with); in order.
    changes : dict
        Option -> how many settings it changes from the old default.
    old : object
        The old default's option.
    threshold : float, default=THRESHOLD
        The least worst mean with which an option passes.

    Returns
    -------
    option : object
        The old default if it passes; else, of the passing options that
        change the fewest settings, the one with the best worst mean (the
        first such on a tie); else the option with the best worst mean.
    passes : bool
        Whether the option picked passes.
    """
    passing = [option for option in worst if worst[option] >= threshold]
    if old in passing:
        return old, True
    if passing:
        fewest = min(changes[option] for option in passing)
        pool = [option for option in passing if changes[option] == fewest]
    else:
        pool = list(worst)
    return max(pool, key=worst.__getitem__), bool(passing)


def _context(draw, seed):
    """What a candidate may read of a draw: never a target label."""
    search = source_search(draw, seed)
    rows = np.random.RandomState(0).permutation(draw.X.shape[0])[:1000]
    distances = pairwise_distances(draw.X[rows], metric="sqeuclidean")
    median = float(np.median(distances[np.triu_indices_from(distances, k=1)]))
    return {
        "seed": seed,
        "C": search.best_params_["C"],
        "n_s": int((draw.sample_domain > 0).sum()),
        # The median heuristic's gamma, KMMReweighter's default.
        "gamma": 1.0 / (2.0 * median),
    }


def _measure(candidates, task_draws):
    """Test accuracy minus source-only of every candidate on every draw."""
    deltas = {name: {task: [] for task in task_draws} for name in candidates}
    ess = {name: [] for name in candidates}
    source_only = {task: [] for task in task_draws}
    for task, pairs in task_draws.items():
        for seed, data in pairs:
            draw = split(data, seed)
            context = _context(draw, seed)
            baseline = (
                SourceOnlyClassifier(LogisticRegression(C=context["C"], max_iter=5000))
                .fit(draw.X, draw.y, sample_domain=draw.sample_domain)
                .score(draw.X_test, draw.y_test)
            )
            source_only[task].append(baseline)
            for name, (family, overrides) in candidates.items():
                model = _model(family, overrides, context)
                model.fit(draw.X, draw.y, sample_domain=draw.sample_domain)
                score = model.score(draw.X_test, draw.y_test)
                deltas[name][task].append(score - baseline)
                if hasattr(model, "effective_sample_size_"):
                    ess[name].append(model.effective_sample_size_ / context["n_s"])
        progress(f"{task}, seeds {seed_ranges(seed for seed, _ in pairs)}: done")
    return deltas, ess, source_only


def _worst(names, deltas):
    """The lowest mean change in points over ``names`` and the tasks; where."""
    return min(
        (100 * np.mean(values), f"{task}, {name.split(',')[0]}")
        for name in names
        for task, values in deltas[name].items()
    )


def _rule(decision, deltas):
    """Each option's worst mean and changes, and the rule's pick."""
    options = decision.options()
    worst = {
        label: _worst(decision.candidates(overrides), deltas)
        for label, overrides in options.items()
    }
    changes = {
        label: decision.changes(overrides) for label, overrides in options.items()
    }
    old = next(iter(options))
    picked, passes = pick({k: v[0] for k, v in worst.items()}, changes, old)
    return worst, changes, picked, passes


def _cell(deltas):
    """Points against source-only: mean ± std (worst seed)."""
    deltas = 100 * np.asarray(deltas)
    return f"{deltas.mean():+.1f} ± {deltas.std():.1f} ({deltas.min():+.1f})"


def _draws(tasks, n_seeds):
    """``(seed, data)`` of every task, selection and report; no seed in both."""
    seeds = {}
    for which, first in (
        ("selection", SELECTION_FIRST_SEED),
        ("report", REPORT_FIRST_SEED),
    ):
        seeds[which] = {
            task: list(draws(params, first, n_seeds)) for task, params in tasks.items()
        }
    for task in tasks:
        shared = {seed for seed, _ in seeds["selection"][task]} & {
            seed for seed, _ in seeds["report"][task]
        }
        if shared:
            raise ValueError(
                f"--seeds {n_seeds} makes the report seeds of {task} reach the "
                f"selection seeds ({seed_ranges(shared)}): pass fewer than "
                f"{SELECTION_FIRST_SEED - REPORT_FIRST_SEED} seeds."
            )
    return seeds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = add_arguments(parser).parse_args(argv)
    tasks = TASKS
    if args.quick:
        args.seeds, tasks = 1, {"wine (bias 1)": TASKS["wine (bias 1)"]}
    warnings.simplefilter("ignore", category=UserWarning)
    seeds = _draws(tasks, args.seeds)

    candidates = {}
    for decision in DECISIONS:
        for overrides in decision.options().values():
            for family in decision.families:
                candidates[_name(family, overrides)] = (family, overrides)
    for family, overrides in OLD_DEFAULTS.items():
        candidates[_name(family, overrides)] = (family, overrides)
    measured = {
        which: _measure(candidates, task_draws) for which, task_draws in seeds.items()
    }
    rules = {
        which: {d.estimator: _rule(d, measured[which][0]) for d in DECISIONS}
        for which in measured
    }

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            "Test accuracy minus source-only, in points, mean ± std over "
            f"{args.seeds} seeds (worst seed in parentheses). Each draw's target "
            "rows are split at random, stratified by label, into an adaptation "
            "half (the unlabeled target rows every weighter and aligner is "
            "fitted on; their labels are never read) and a test half (scored "
            "only; no fit sees it, the standardisation included). Features "
            "standardised on the source rows and the adaptation half; a logistic "
            f"regression with C chosen per draw among {list(C_GRID)} by 5-fold "
            "cross-validation on the labelled source rows. Seeds whose draw "
            "keeps fewer than 5 source rows in a class are skipped (the next "
            "seed is drawn). Reweighting methods train the logistic regression "
            "through `ImportanceWeightedClassifier`, whose weights have mean "
            "one; aligners precede a `SourceOnlyClassifier`.\n"
        )
        report.write(
            "The rule chooses each default on the selection seeds; every other "
            "figure is from the report seeds, which no choice has seen. An "
            f"option passes when its mean change is at least {THRESHOLD:+.0f} "
            "point on every task (with every weighter, for the parameters of "
            "`ImportanceWeightedClassifier`); the old default is kept when it "
            "passes, else the passing option that changes the fewest of its "
            "settings is chosen, the one with the best worst mean among those; "
            "when none passes, the option with the best worst mean. Each "
            "decision is measured with every other setting at the package's "
            "default.\n"
        )
        report.table(
            [
                "task",
                "selection seeds",
                "report seeds",
                "source-only accuracy, selection seeds",
                "source-only accuracy, report seeds",
            ],
            [
                (
                    task,
                    *(
                        seed_ranges(seed for seed, _ in seeds[which][task])
                        for which in ("selection", "report")
                    ),
                    *(
                        f"{np.mean(values[task]):.3f} ± {np.std(values[task]):.3f}"
                        for values in (
                            measured["selection"][2],
                            measured["report"][2],
                        )
                    ),
                )
                for task in tasks
            ],
        )
        report.write("## The rule's picks\n")
        rows = []
        for decision in DECISIONS:
            options = decision.options()
            old = next(iter(options))
            package = next(label for label, o in options.items() if not o)
            picks = {which: rules[which][decision.estimator][2:] for which in rules}
            rows.append(
                (
                    decision.estimator,
                    old,
                    package,
                    picks["selection"][0]
                    + ("" if picks["selection"][1] else " (none passes)"),
                    "yes" if picks["selection"][0] == package else "**no**",
                    picks["report"][0]
                    + ("" if picks["report"][1] else " (none passes)"),
                )
            )
        report.table(
            [
                "estimator",
                "old default",
                "package default",
                "rule's pick, selection seeds",
                "pick is the package default",
                "rule's pick on the report seeds (for comparison)",
            ],
            rows,
        )
        report.write(
            "Each option's worst mean change (points, over the tasks and the "
            "weighters it is measured with), and where it is:\n"
        )
        rows = []
        for decision in DECISIONS:
            for label, overrides in decision.options().items():
                worst = {
                    which: rules[which][decision.estimator][0][label] for which in rules
                }
                rows.append(
                    (
                        decision.estimator,
                        label,
                        decision.changes(overrides),
                        *(
                            f"{worst[which][0]:+.1f} ({worst[which][1]})"
                            + ("" if worst[which][0] >= THRESHOLD else ", fails")
                            for which in ("selection", "report")
                        ),
                    )
                )
        report.table(
            [
                "estimator",
                "option",
                "settings changed from old",
                "worst mean, selection seeds",
                "worst mean, report seeds",
            ],
            rows,
        )
        deltas, ess, _ = measured["report"]
        report.write("## Old defaults against package defaults (report seeds)\n")
        rows = []
        for family, overrides in OLD_DEFAULTS.items():
            for which, name in (
                ("old", _name(family, overrides)),
                ("package", _name(family, {})),
            ):
                rows.append(
                    (
                        family,
                        f"{which}: {name}",
                        *(_cell(deltas[name][t]) for t in tasks),
                    )
                )
        report.table(["estimator", "defaults", *tasks], rows)
        report.write("## Every candidate (report seeds)\n")
        report.write(
            "ESS: Kish's effective sample size of the weights given to the "
            "logistic regression, as a share of the source rows, mean over "
            "tasks and seeds.\n"
        )
        report.table(
            ["candidate", *tasks, "ESS"],
            [
                (
                    name,
                    *(_cell(deltas[name][t]) for t in tasks),
                    f"{np.mean(ess[name]):.2f}" if ess[name] else "",
                )
                for name in candidates
            ],
        )


if __name__ == "__main__":
    main()
