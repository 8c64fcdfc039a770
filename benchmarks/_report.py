"""How every benchmark script writes its results file.

A results file is the script's own output, whole: the title, then where the
figures come from (the command, the date, the commit and whether the tree
differed from it, the versions, the machine), then the tables. Nothing in
``benchmarks/results/`` is edited by hand; what the figures mean is discussed
in ``docs/benchmarks.md``.

Every script takes ``--output PATH`` (the report goes to stdout as it is
computed and, once complete, to that file) and ``--quick`` (a tiny run that
only shows the script still works; ``tests/test_benchmarks.py`` runs each
script that way).
"""

import contextlib
import datetime
import os
import platform
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PACKAGES = ("numpy", "scipy", "scikit-learn", "torch", "skorch")
# Environment variables that change the figures (thread pools): a command
# run under them is recorded with them.
_ENVIRONMENT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def add_arguments(parser):
    """Add ``--output`` and ``--quick`` to a benchmark's argument parser."""
    parser.add_argument(
        "--output", help="also write the report to this file once it is complete"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny run that checks the script works; its figures mean nothing",
    )
    return parser


def _git(*args):
    try:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    # Only the end: porcelain lines start with a space where the index is clean.
    return result.stdout.rstrip()


def _commit():
    commit = _git("rev-parse", "--short=12", "HEAD")
    if commit is None:
        return "unknown (not a git checkout)"
    # What produces the figures: the package, the scripts and the
    # requirements; not the tests, nor the results being written.
    changed = _git(
        "status",
        "--porcelain",
        "--",
        "sktransfer",
        "benchmarks",
        "pyproject.toml",
        ":!benchmarks/results",
    )
    if changed:
        files = sorted({line[3:] for line in changed.splitlines()})
        return f"{commit}, with uncommitted changes to {', '.join(files)}"
    return commit


def _from_root(path):
    """``path`` as seen from the repository's root, where the command is run."""
    path = Path(path).resolve()
    with contextlib.suppress(ValueError):
        path = path.relative_to(ROOT)
    return str(path)


def _command(argv):
    # The script and the output file from the root, wherever the run was
    # started, so that the recorded command reproduces the file from there.
    args = list(argv[1:])
    for i, arg in enumerate(args):
        if arg.startswith("--output="):
            args[i] = "--output=" + _from_root(arg.split("=", 1)[1])
        elif i and args[i - 1] == "--output":
            args[i] = _from_root(arg)
    environment = [
        f"{name}={os.environ[name]}" for name in _ENVIRONMENT if name in os.environ
    ]
    return shlex.join([*environment, "python", _from_root(argv[0]), *args])


def _versions():
    versions = [f"Python {platform.python_version()}"]
    for package in _PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(versions)


def _machine():
    parts = [platform.machine(), f"{os.cpu_count()} CPU cores"]
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        parts.append(f"{torch.get_num_threads()} torch threads")
        if torch.cuda.is_available():
            parts.append(torch.cuda.get_device_name())
    return ", ".join(parts)


class Report:
    """Print a report as it is computed, and write it whole at the end.

    Use as a context manager: the file named by ``args.output`` is written
    only when the block completes, so a failed run leaves no partial file.

    Parameters
    ----------
    title : str
        The first line of the file.

    args : argparse.Namespace
        The parsed arguments, with ``output`` and ``quick``.

    argv : list of str, default=None
        The command line; ``sys.argv`` when None.
    """

    def __init__(self, title, args, argv=None):
        self.output = args.output
        self.lines = []
        argv = sys.argv if argv is None else argv
        self.write(f"# {title}\n")
        if args.quick:
            self.write(
                "**Quick mode**: a tiny run that checks the script works; "
                "its figures mean nothing.\n"
            )
        self.write(f"- command: `{_command(argv)}`")
        self.write(
            f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
        )
        self.write(f"- commit: {_commit()}")
        self.write(f"- versions: {_versions()}")
        self.write(f"- machine: {_machine()}\n")

    def write(self, text=""):
        """Print ``text`` and keep it for the file."""
        print(text, flush=True)
        self.lines.append(text)

    def table(self, header, rows):
        """Write a Markdown table; ``rows`` are sequences of cell strings."""
        self.write("| " + " | ".join(header) + " |")
        self.write("|" + " --- |" * len(header))
        for row in rows:
            self.write("| " + " | ".join(str(cell) for cell in row) + " |")
        self.write()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None and self.output:
            Path(self.output).write_text("\n".join(self.lines).rstrip() + "\n")
        return False


def progress(message):
    """A line about the run's progress, on stderr: not part of the report."""
    print(message, file=sys.stderr, flush=True)
