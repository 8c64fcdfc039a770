"""The written pages of the documentation, for the tests that read them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built or generated pages, not written ones.
_NOT_WRITTEN = {"_build", "auto_examples", "generated"}

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


def written_pages():
    """README.md and every Markdown page under docs/, built output aside."""
    pages = [ROOT / "README.md"]
    for path in sorted((ROOT / "docs").rglob("*.md")):
        parts = path.relative_to(ROOT / "docs").parts
        if not _NOT_WRITTEN.intersection(parts) and not parts[0].startswith("."):
            pages.append(path)
    return pages


def fence_end(lines, start):
    """The index of the line that closes the fence opened at ``lines[start]``.

    ``len(lines)`` when the page ends first, as CommonMark reads it.
    """
    fence = FENCE.match(lines[start]).group("fence")
    closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    end = start + 1
    while end < len(lines) and not closing.match(lines[end]):
        end += 1
    return end
