"""Every measured figure that README.md and docs/ quote is in its results file.

The rule, applied to each paragraph, list item, table row and heading (a
*unit*) of the written pages, with fenced code, inline code, link targets
and HTML comments left out:

1. A unit's *sources* are the results files it names
   (``benchmarks/results/X.md``, or ``X.md`` in inline code where
   ``benchmarks/results/X.md`` exists), those its section's heading names,
   and, for a list item or a table row, those the paragraph before its list
   or table names. Every file named so must exist.
2. A *figure* is a number written with decimals (``0.413``, ``3.6e-6``) or
   with a unit of measure (``63%``, ``12x``, ``87 s``, ``2 min``, ``4.6 GB``,
   ``15 points``). A bare integer (``3 seeds``, ``1,000 rows``) is a
   setting or a count, not a figure.
3. In a unit with sources, every figure is a number of one of the sources,
   as the file writes it: not rounded (a rounded ``1.3`` would pass for any
   of a file's ``1.27``, ``1.33``...), trailing zeros and the sign aside
   (``33 points below`` for ``-33.0``). A percentage or a number of points
   may also be the file's fraction (``2%`` for ``0.020``). A figure
   computed from a file (a ratio, a difference, a mean) is therefore quoted
   as the file writes it, or replaced by the numbers it comes from.
4. A unit with figures must have sources. The exceptions are listed below,
   each with its reason: figures that measure nothing (``NOT_MEASURED``),
   figures read off an image (``READ_OFF_IMAGES``), and sentences that say
   a figure was retracted (``RETRACTED``).

Files of ``benchmarks/results/`` are read without their header (command,
date, commit, versions, machine), whose numbers are not results.
"""

import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import pairwise

import pytest
from _docs import FENCE, ROOT, fence_end, written_pages

RESULTS = ROOT / "benchmarks" / "results"

# A pattern here matches a figure and the words around it; the figure it
# covers needs no source.
NOT_MEASURED = {
    r"Python >= 3\.10": "a version requirement",
    r"the lecture reports 57\.9%": "the lecture's published figure, which "
    "the measured one is set against",
    r"(?:at least|below) 80%": "the bar that a label-shift estimator was to "
    "clear, set before measuring",
    r"its 4\.65 million": "EfficientNet-Lite0's number of parameters, a count",
    r"against \(0\.5, 0\.5\)": "the uniform domain prediction that the "
    "confusion loss aims at, a definition",
}
# Figures read off a picture of docs/images/, which no text file holds: a
# unit that names the picture may quote them. Transcribed from the picture;
# redraw it (`make demo`), and transcribe its titles again.
READ_OFF_IMAGES = {
    "docs/images/demo.png": {
        # target accuracy in each panel's title, by row
        "0.45", "0.68", "0.81", "0.39", "0.58", "0.67",
        # the MMD test's p-value, every panel
        "0.00498",
        # the proxy A-distance, by row
        "1.90", "1.88", "1.79", "2.00",
    },
}  # fmt: skip
# A sentence that says its figures are no longer the measured ones.
RETRACTED = re.compile(
    r"\b(?:Earlier versions?|[Aa]n earlier version|[Aa] previous run)\b"
)

_NUMBER = re.compile(
    r"(?<![\w.,^/])(?P<sign>[-−]?)"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<decimals>\.\d+)?"
    r"(?P<exponent>e-?\d+)?"
    r"(?:(?P<unit>%|x)(?!\w)|\s?(?P<word>s|min|GB|MB|points?)\b)?"
    r"(?![\w.]*\d)"
)
_RESULTS_FILE = re.compile(r"benchmarks/results/([\w.-]+?\.md)|`([\w.-]+?\.md)`")
_IMAGE = re.compile(r"docs/images/[\w.-]+\.png")
_HEADER = re.compile(r"^- (?:command|date|commit|versions|machine):")


@dataclass
class Figure:
    token: str
    value: Decimal
    unit: str
    start: int
    end: int

    def readings(self):
        """The magnitudes a results file may write it as."""
        yield abs(self.value)
        if self.unit in ("%", "point", "points"):
            yield abs(self.value) / 100


@dataclass
class Unit:
    page: str
    line: int
    kind: str  # "heading", "paragraph", "item" or "row"
    text: str  # the prose, code and link targets left out
    sources: set  # results files
    images: set  # docs/images/ pictures named
    missing: set  # results files named that do not exist


def _parse(match):
    sign = "-" if match.group("sign") else ""
    decimals = match.group("decimals") or ""
    value = Decimal(sign + match.group("digits").replace(",", "") + decimals)
    if exponent := match.group("exponent"):
        value = value.scaleb(int(exponent[1:]))
    return value


def figures(text):
    """The figures of a text, in order."""
    found = []
    for match, following in pairwise([*_NUMBER.finditer(text), None]):
        unit = match.group("unit") or match.group("word") or ""
        # A range shares its unit: "6.2-8.4%".
        if (
            not unit
            and following
            and text[match.end() : following.start()] in ("-", "–")
        ):
            unit = following.group("unit") or following.group("word") or ""
        if match.group("decimals") or match.group("exponent") or unit:
            token = match.group(0).strip()
            found.append(Figure(token, _parse(match), unit, *match.span()))
    return found


@cache
def file_numbers(name):
    """Every number of a results file, its header aside."""
    lines = (RESULTS / name).read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not _HEADER.match(line))
    return tuple(_parse(match) for match in _NUMBER.finditer(text))


def _prose(text):
    """Inline code and link targets left out."""
    text = re.sub(r"(`+).*?\1", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def _results_files(text):
    return {path or code for path, code in _RESULTS_FILE.findall(text)}


def _blocks(lines):
    """(first line, kind, raw text) of the headings, rows, items and paragraphs."""
    blocks, index = [], 0
    while index < len(lines):
        line, stripped = lines[index], lines[index].strip()
        if FENCE.match(line):
            index = fence_end(lines, index) + 1
            blocks.append((index, "blank", ""))
            continue
        if stripped.startswith("<!--"):
            while "-->" not in lines[index]:
                index += 1
        elif not stripped:
            blocks.append((index + 1, "blank", ""))
        elif stripped.startswith("#"):
            blocks.append((index + 1, "heading", stripped))
        elif stripped.startswith("|"):
            if not re.fullmatch(r"\|[\s:|-]+\|", stripped):
                blocks.append((index + 1, "row", stripped))
        elif re.match(r"\s*(?:[-*+]|\d+\.)\s", line):
            blocks.append((index + 1, "item", stripped))
        elif blocks and blocks[-1][1] in ("item", "paragraph"):
            first, kind, text = blocks[-1]
            blocks[-1] = (first, kind, f"{text} {stripped}")
        else:
            blocks.append((index + 1, "paragraph", stripped))
        index += 1
    return blocks


def units(path):
    """The units of a page, each with the sources it draws on."""
    page = path.relative_to(ROOT).as_posix()
    heading_files, lead_files, result = set(), set(), []
    for line, kind, text in _blocks(path.read_text(encoding="utf-8").splitlines()):
        if kind == "blank":
            continue
        named = _results_files(text)
        if kind == "heading":
            heading_files, lead_files = named, set()
        elif kind == "paragraph":
            lead_files = named
        sources = (
            named | heading_files | (lead_files if kind in ("item", "row") else set())
        )
        result.append(
            Unit(
                page=page,
                line=line,
                kind=kind,
                text=_prose(text),
                sources={name for name in sources if (RESULTS / name).exists()},
                images=set(_IMAGE.findall(text)),
                missing={name for name in named if not (RESULTS / name).exists()},
            )
        )
    return result


def _sentences(text):
    """The sentences of a unit (a clause after a semicolon counts as one)."""
    return re.split(r"(?<=[.;!?])\s+(?=[A-Z(*])", text)


def _not_measured(sentence, figure_start, figure_end):
    return any(
        match.start() <= figure_start and figure_end <= match.end()
        for pattern in NOT_MEASURED
        for match in re.finditer(pattern, sentence)
    )


def _in_sources(figure, unit):
    numbers = [number for name in sorted(unit.sources) for number in file_numbers(name)]
    for image in sorted(unit.images):
        numbers.extend(Decimal(figure) for figure in READ_OFF_IMAGES.get(image, ()))
    # Magnitudes: a figure's direction is often in its words ("33 points
    # below" for -33.0). Decimal equality ignores trailing zeros.
    magnitudes = {abs(number) for number in numbers}
    return any(reading in magnitudes for reading in figure.readings())


def problems(unit):
    """What the rule finds wrong with a unit's figures."""
    found = []
    for sentence in _sentences(unit.text):
        if RETRACTED.search(sentence):
            continue
        for figure in figures(sentence):
            if _not_measured(sentence, figure.start, figure.end):
                continue
            if not (unit.sources or unit.images):
                found.append(f"{figure.token!r} names no results file")
            elif not _in_sources(figure, unit):
                where = sorted(unit.sources | unit.images)
                found.append(f"{figure.token!r} is not in {where}")
    return found


ALL_UNITS = [unit for path in written_pages() for unit in units(path)]


def test_named_results_files_exist():
    missing = [
        f"{unit.page}:{unit.line}: {name}"
        for unit in ALL_UNITS
        for name in sorted(unit.missing)
    ]
    assert not missing, "\n".join(missing)


def test_quoted_figures_are_in_their_results_files():
    found = [
        f"{unit.page}:{unit.line}: {problem}"
        for unit in ALL_UNITS
        for problem in problems(unit)
    ]
    assert not found, "\n".join(found)


def test_every_exception_is_used():
    """An exception that no page needs any more is dropped, not kept."""
    texts = [unit.text for unit in ALL_UNITS]
    unused = [p for p in NOT_MEASURED if not any(re.search(p, t) for t in texts)]
    assert not unused
    named = {image for unit in ALL_UNITS for image in unit.images}
    assert set(READ_OFF_IMAGES) <= named
    for image in READ_OFF_IMAGES:
        assert (ROOT / image).exists(), image


def test_figures_are_told_from_settings_and_versions():
    text = (
        "3 seeds, 1,000 rows, 28x28 images and a 4 x 4 grid, torch 2.13.0: "
        "0.413 (63%), -0.06, 12x, 87 s, 2 min, 4.6 GB, 15 points, 3.6e-6, 1.6-1.8x, "
        "6-9% and 4-5 seeds"
    )
    assert [(f.token, f.value, f.unit) for f in figures(text)] == [
        ("0.413", Decimal("0.413"), ""),
        ("63%", Decimal(63), "%"),
        ("-0.06", Decimal("-0.06"), ""),
        ("12x", Decimal(12), "x"),
        ("87 s", Decimal(87), "s"),
        ("2 min", Decimal(2), "min"),
        ("4.6 GB", Decimal("4.6"), "GB"),
        ("15 points", Decimal(15), "points"),
        ("3.6e-6", Decimal("3.6e-6"), ""),
        ("1.6", Decimal("1.6"), "x"),
        ("1.8x", Decimal("1.8"), "x"),
        ("6", Decimal(6), "%"),
        ("9%", Decimal(9), "%"),
    ]


@pytest.fixture
def results(tmp_path, monkeypatch):
    """A results folder with one file, kmm.md, its header dated the 11th."""
    (tmp_path / "kmm.md").write_text(
        "# KMM\n\n- date: 2026-11-30 18:36 UTC\n- commit: cb12c83adb60\n\n"
        "| rows | seconds | peak MB | MMD^2 | time / skada |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| 8000 | 1.03 | 85 | 0.0007 | 0.081 |\n| 1000000 | 86.78 | 4619 | -33.0 | |\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "RESULTS", tmp_path)
    file_numbers.cache_clear()
    yield tmp_path
    file_numbers.cache_clear()


def _unit(text, sources=("kmm.md",), images=()):
    return Unit("page.md", 1, "paragraph", text, set(sources), set(images), set())


@pytest.mark.usefixtures("results")
@pytest.mark.parametrize(
    "text",
    [
        "1.03 s",  # as written
        "1.030 s",  # a trailing zero
        "86.78 s",
        "4,619 MB",
        "8.1% of skada's time",  # the fraction 0.081
        "33 points below",  # -33.0, its sign in the words
        "an MMD^2 of 0.0007",
    ],
)
def test_a_figure_of_the_file_passes(text):
    assert problems(_unit(text)) == []


@pytest.mark.usefixtures("results")
@pytest.mark.parametrize(
    "text",
    [
        "1.8 s",  # the README's stale figures
        "11x",  # only the header's date holds an 11
        "6.5 s",
        "1.3 s",  # a digit of 1.03 dropped
        "1.0 s",  # rounded: as close to 1.03 as to 0.98, were it there
        "87 s",
        "4.6 GB",  # 4619 MB: written as the file writes it
        "0.0008",
        "12.3x faster",  # a ratio of two of its numbers, not one of them
    ],
)
def test_a_figure_not_in_the_file_is_caught(text):
    assert problems(_unit(text)) == [f"{figures(text)[0].token!r} is not in ['kmm.md']"]


@pytest.mark.usefixtures("results")
def test_figures_need_a_source_unless_excepted():
    assert problems(_unit("fits in 1.03 s", sources=())) == [
        "'1.03 s' names no results file"
    ]
    # Excepted: a version, a retracted figure, a figure read off a picture.
    assert problems(_unit("Python >= 3.10", sources=())) == []
    text = "Earlier versions of this page quoted 0.779. Now 0.81 and p = 0.00498."
    assert problems(_unit(text, sources=(), images=["docs/images/demo.png"])) == []
    assert problems(
        _unit("Now 0.82.", sources=(), images=["docs/images/demo.png"])
    ) == ["'0.82' is not in ['docs/images/demo.png']"]


def test_units_draw_on_their_heading_and_lead_paragraph(results, tmp_path, monkeypatch):
    (results / "other.md").write_text("| 0.5 |\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    page = tmp_path / "page.md"
    page.write_text(
        "# Scaling (`kmm.md`)\n\n"
        "Read from `benchmarks/results/other.md` and `missing.md`:\n\n"
        "| a | b |\n| --- | --- |\n| 0.5 | 1 |\n\n"
        "- an item\n  on two lines, `0.9` in code\n\n"
        "A paragraph [link](x1.5.md).\n\n"
        "```python\nx = 0.25\n```\n"
        "<!-- 0.75 -->\n"
        "## Next\n\nLast.\n"
    )
    found = [(u.line, u.kind, u.text, u.sources, u.missing) for u in units(page)]
    assert found == [
        (1, "heading", "# Scaling ( )", {"kmm.md"}, set()),
        (3, "paragraph", "Read from   and  :", {"kmm.md", "other.md"}, {"missing.md"}),
        (5, "row", "| a | b |", {"kmm.md", "other.md"}, set()),
        (7, "row", "| 0.5 | 1 |", {"kmm.md", "other.md"}, set()),
        (9, "item", "- an item on two lines,   in code", {"kmm.md", "other.md"}, set()),
        (12, "paragraph", "A paragraph [link].", {"kmm.md"}, set()),
        (18, "heading", "## Next", set(), set()),
        (20, "paragraph", "Last.", set(), set()),
    ]
