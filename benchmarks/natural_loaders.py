"""How long each loader of a natural shift takes, in a fresh process.

Each loader runs in a new Python process, as a user's first call would:
the time of ``import sktransfer.datasets`` and then of the first and the
second call of the loader (all domains: ``source=None`` where the loader
takes it), median of the runs. The packages' files are read from disk each
time; nothing is cached between processes.

    python benchmarks/natural_loaders.py [--runs 3] [--output FILE] [--quick]
"""

import argparse
import json
import subprocess
import sys

import numpy as np
from _report import Report, add_arguments, progress

LOADERS = {
    "load_weather": "source=None, target='Mumbai'",
    "load_heart_disease": "source=None, target='Switzerland'",
    "load_participation": "",
    "load_fuel_economy": "",
    "load_wages": "",
    "load_life_expectancy": "",
    "load_developer_salaries": "source=None",
    "load_sentiment": "source=None",
}

_PROBE = """
import json, time
start = time.perf_counter()
import sktransfer.datasets as datasets
imported = time.perf_counter()
data = datasets.{name}({arguments})
first = time.perf_counter()
datasets.{name}({arguments})
second = time.perf_counter()
print(json.dumps({{"import": imported - start, "first": first - imported,
                  "second": second - first, "rows": len(data.y)}}))
"""


def measure(name, arguments):
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE.format(name=name, arguments=arguments)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    add_arguments(parser)
    args = parser.parse_args(argv)
    loaders = dict(list(LOADERS.items())[:1]) if args.quick else LOADERS
    runs = 1 if args.quick else args.runs
    with Report(__doc__.splitlines()[0], args) as report:
        report.write(f"Median of {runs} fresh processes per loader.")
        report.write()
        rows = []
        for name, arguments in loaders.items():
            progress(name)
            results = [measure(name, arguments) for _ in range(runs)]
            median = {
                key: float(np.median([r[key] for r in results]))
                for key in ("import", "first", "second")
            }
            rows.append(
                [
                    f"`{name}({arguments})`",
                    str(results[0]["rows"]),
                    f"{median['import']:.2f}",
                    f"{median['first']:.3f}",
                    f"{median['second']:.3f}",
                ]
            )
        report.table(
            ["loader", "rows", "import s", "first load s", "second load s"], rows
        )


if __name__ == "__main__":
    main()
