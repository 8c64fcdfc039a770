"""Every ```python block of README.md and docs/ runs, so that no snippet rots.

Each page's blocks run in order in one namespace (they build on each other,
as the cells of a notebook), in a temporary working directory, with
matplotlib's Agg backend, a ``FutureWarning`` (a deprecation) as an error,
and scikit-learn's configuration and Accelerate's state restored after the
page. The pages whose blocks train neural networks
are marked slow (CI runs them in ``make test-slow``); the others run in
``make test``.

Two HTML comments, which neither GitHub nor Sphinx shows, speak to the runner
from the Markdown, right before a block; each must give its reason:

- ``<!-- snippet skip: REASON -->``: the block is not run (it needs several
  GPUs, a cluster's address...).
- ``<!-- snippet setup: REASON``, Python lines, then ``-->``: the lines run
  first; they stand in for what only the reader has, such as a folder of
  their own images.

Every ```python block runs unless skipped with a reason, and a fence that
looks like Python but is not a plain ```python at the start of a line (the
only form the runner reads) fails ``test_every_python_fence_is_a_block``.
"""

import re
import sys
import traceback
import warnings
from dataclasses import dataclass, field

import matplotlib
import pytest
from _docs import FENCE, ROOT, fence_end, written_pages

# The pages whose blocks train neural networks run in `make test-slow`, CI's
# step for long tests; the others in `make test`. What each trains, and its
# seconds under pytest on 2 cores with one torch thread (as a pytest-xdist
# worker runs it):
SLOW_PAGES = {
    "docs/user_guide/dann.md": "DANN on 600 digit images, 5 epochs (4.6 s)",
    "docs/user_guide/distillation.md": "a student MLP on 1,500 digits (1.6 s)",
    "docs/user_guide/domain_confusion.md": "domain confusion, 600 images (2.8 s)",
    "docs/user_guide/fine_tuning.md": "fine-tunes EfficientNet-Lite0 (2.1 s)",
    "docs/user_guide/measuring_shift.md": "DANN and CDAN to draw (2.8 s)",
    "docs/user_guide/past_dann.md": "a grid search over 6 nets, 3 folds (8.4 s)",
    "docs/user_guide/surrogate_pretraining.md": "rotation pretraining, 3 fits (14.8 s)",
    "docs/user_guide/text.md": "loads the sentence encoder (4 s, more when cold)",
}

_DIRECTIVE = re.compile(r"<!--\s*snippet\s+(?P<kind>\w+)\s*:(?P<body>.*?)-->", re.S)
# Fences whose info string names Python in any form.
_PYTHON_LIKE = re.compile(
    r"^\s*(?:`{3,}|~{3,})\s*\{?\s*(?:code-block|code-cell|code|sourcecode)?"
    r"\}?\s*(?:python3?|py|pycon|ipython3?)\b",
    re.IGNORECASE,
)


@dataclass
class Block:
    """A ```python block: its first code line (1-based) and its code."""

    line: int
    code: str
    skip: str = ""  # the reason
    setup: str = ""  # code run first
    setup_line: int = 0


@dataclass
class Page:
    path: object
    blocks: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def name(self):
        return self.path.relative_to(ROOT).as_posix()


def _comment_before(lines, index):
    """``(first line index, text)`` of the HTML comment just above a line."""
    end = index - 1
    while end >= 0 and not lines[end].strip():
        end -= 1
    if end < 0 or not lines[end].rstrip().endswith("-->"):
        return None
    start = end
    while start >= 0 and "<!--" not in lines[start]:
        start -= 1
    if start < 0:
        return None
    return start, "\n".join(lines[start : end + 1])


def _directive(page, lines, index, block):
    """Read the directive above the block at ``lines[index]`` into ``block``."""
    comment = _comment_before(lines, index)
    if comment is None or not (match := _DIRECTIVE.search(comment[1])):
        return
    where = f"{page.name}:{comment[0] + 1}"
    kind = match.group("kind")
    reason, _, code = match.group("body").partition("\n")
    reason = reason.strip()
    if not reason:
        page.errors.append(f"{where}: 'snippet {kind}:' needs a reason")
    if kind == "skip":
        block.skip = reason or "no reason"
        if code.strip():
            page.errors.append(f"{where}: 'snippet skip:' takes a reason only")
    elif kind == "setup":
        block.setup, block.setup_line = code, comment[0] + 2
    else:
        page.errors.append(
            f"{where}: unknown directive 'snippet {kind}:'; "
            "use 'snippet skip: REASON' or 'snippet setup: REASON'"
        )


def parse_page(path):
    """The ```python blocks of a Markdown page, with their directives."""
    page = Page(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    used_directives = set()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        end = fence_end(lines, index)
        if match.group("info").strip() == "python" and not match.group("indent"):
            block = Block(line=index + 2, code="\n".join(lines[index + 1 : end]))
            _directive(page, lines, index, block)
            if comment := _comment_before(lines, index):
                used_directives.add(comment[0])
            page.blocks.append(block)
        index = end + 1
    for number, line in enumerate(lines):
        if re.search(r"<!--\s*snippet\b", line) and number not in used_directives:
            page.errors.append(
                f"{page.name}:{number + 1}: a snippet directive must come "
                "right before a ```python block"
            )
    return page


PAGES = [parse_page(path) for path in written_pages()]


def _run_code(code, first_line, path, namespace):
    """Run code that starts at ``first_line`` of ``path``.

    Padding it with blank lines makes a traceback point at the Markdown line.
    """
    source = "\n" * (first_line - 1) + code
    exec(compile(source, str(path), "exec"), namespace)


@pytest.fixture
def snippet_sandbox(tmp_path, monkeypatch):
    """A temporary working directory, Agg plots, global state restored."""
    import matplotlib.pyplot as plt
    import sklearn

    matplotlib.use("Agg", force=True)
    monkeypatch.chdir(tmp_path)
    with sklearn.config_context(), warnings.catch_warnings():
        # A deprecated call is a snippet about to rot: it fails now.
        warnings.simplefilter("error", FutureWarning)
        yield
    plt.close("all")
    if "accelerate" in sys.modules:
        # Accelerate keeps one state per process: an Accelerator a page made
        # (mixed precision on) would be the next test's.
        from accelerate.state import AcceleratorState, GradientState

        AcceleratorState._reset_state(reset_partial_state=True)
        GradientState._reset_state()


def _param(page):
    marks = [pytest.mark.slow] if page.name in SLOW_PAGES else []
    return pytest.param(page, id=page.name, marks=marks)


def run_page(page):
    """Run a page's blocks in order in one namespace; the lines of those run."""
    namespace, ran = {"__name__": "__main__"}, []
    for block in page.blocks:
        if block.skip:
            continue
        try:
            if block.setup:
                _run_code(block.setup, block.setup_line, page.path, namespace)
            _run_code(block.code, block.line, page.path, namespace)
        except Exception as exc:
            raise AssertionError(
                f"the block at {page.name}:{block.line} failed: {exc!r}"
            ) from exc
        ran.append(block.line)
    return ran


@pytest.mark.usefixtures("snippet_sandbox")
@pytest.mark.parametrize("page", [_param(page) for page in PAGES if page.blocks])
def test_page_runs(page):
    ran = run_page(page)
    assert ran == [block.line for block in page.blocks if not block.skip]


def test_every_python_fence_is_a_block():
    """No Python hides in a fence the runner does not read."""
    unread = []
    for page in PAGES:
        lines = page.path.read_text(encoding="utf-8").splitlines()
        starts = {block.line - 2 for block in page.blocks}
        unread += [
            f"{page.name}:{number + 1}: {line.strip()!r}"
            for number, line in enumerate(lines)
            if _PYTHON_LIKE.match(line) and number not in starts
        ]
    assert not unread, "write these as ```python at the start of a line:\n" + "\n".join(
        unread
    )


def test_directives_are_well_formed():
    errors = [error for page in PAGES for error in page.errors]
    assert not errors, "\n".join(errors)


def test_slow_pages_are_pages_with_blocks():
    assert set(SLOW_PAGES) <= {page.name for page in PAGES if page.blocks}


def _write(tmp_path, text):
    path = tmp_path / "page.md"
    path.write_text(text)
    return path


def test_parser_reads_blocks_directives_and_refuses_bad_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    page = parse_page(
        _write(
            tmp_path,
            "Text\n"
            "```python\n"
            "a = 1\n"
            "```\n"
            "<!-- snippet skip: needs several GPUs -->\n"
            "```python\n"
            "b = 2\n"
            "```\n"
            "<!-- snippet setup: the reader's own folder\n"
            "folder = 'x'\n"
            "-->\n"
            "\n"
            "```python\n"
            "c = folder\n"
            "```\n"
            "```bash\n"
            "```python\n"
            "```\n",
        )
    )
    assert [(b.line, b.code, b.skip) for b in page.blocks] == [
        (3, "a = 1", ""),
        (7, "b = 2", "needs several GPUs"),
        (14, "c = folder", ""),
    ]
    assert (page.blocks[2].setup, page.blocks[2].setup_line) == ("folder = 'x'\n", 10)
    assert page.errors == []

    page = parse_page(
        _write(
            tmp_path,
            "<!-- snippet skip: -->\n```python\nx\n```\n"
            "<!-- snippet ignore: why -->\n```python\ny\n```\n"
            "<!-- snippet skip: a reason -->\nText\n",
        )
    )
    assert page.errors == [
        "page.md:1: 'snippet skip:' needs a reason",
        "page.md:5: unknown directive 'snippet ignore:'; "
        "use 'snippet skip: REASON' or 'snippet setup: REASON'",
        "page.md:9: a snippet directive must come right before a ```python block",
    ]


@pytest.mark.parametrize(
    "fence",
    ["```py", "```python3", "```{code-block} python", "  ```python", "~~~pycon"],
)
def test_python_in_another_fence_is_refused(tmp_path, monkeypatch, fence):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(
        sys.modules[__name__],
        "PAGES",
        [parse_page(_write(tmp_path, f"{fence}\nx = 1\n{fence.strip()[:3]}\n"))],
    )
    with pytest.raises(AssertionError, match="page.md:1"):
        test_every_python_fence_is_a_block()


@pytest.mark.usefixtures("snippet_sandbox")
def test_runner_runs_blocks_in_order_in_one_namespace(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    page = parse_page(
        _write(
            tmp_path,
            "```python\n"
            "a = 1\n"
            "```\n"
            "<!-- snippet skip: would fail here -->\n"
            "```python\n"
            "raise RuntimeError\n"
            "```\n"
            "<!-- snippet setup: stands in for the reader's file\n"
            "b = a + 1\n"
            "-->\n"
            "```python\n"
            "with open('out.txt', 'w') as f:\n"
            "    f.write(str(a + b))\n"
            "```\n",
        )
    )
    assert run_page(page) == [2, 12]
    # In the working directory the sandbox made, not in the repository.
    assert (tmp_path / "out.txt").read_text() == "3"


@pytest.mark.usefixtures("snippet_sandbox")
def test_a_failing_block_is_reported_at_its_markdown_line(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    path = _write(tmp_path, "Text\n\n```python\nx = 1\ny = undefined_name\n```\n")
    with pytest.raises(AssertionError, match=r"the block at page.md:4 failed") as info:
        run_page(parse_page(path))
    frame = traceback.extract_tb(info.value.__cause__.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == (str(path), 5)
