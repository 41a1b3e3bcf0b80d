"""Paths into a webhook body: ``payload.status.state``, ``results[0].id``, ``results[].id``.

A path is parsed once into steps (keys and list indexes) so that reading a field on the hot
path is a short loop over dict and list lookups.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from receipts.exceptions import ReceiptsError

_STEP = re.compile(r"([^.\[\]]+)|\[(\d*)\]")

EACH = -1  # the `[]` step: every item of a list


class _Missing:
    """The value of a path that is not in the body (distinct from a JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class PathSyntaxError(ReceiptsError, ValueError):
    """A path that cannot be parsed, e.g. ``a..b`` or ``a[x]``."""


@dataclass(frozen=True, slots=True)
class Path:
    text: str
    steps: tuple[str | int, ...]

    def get(self, body: Any) -> Any:
        """The value at this path, or ``MISSING``; ``[]`` steps are not allowed here."""
        value = body
        for step in self.steps:
            if type(step) is str:
                if type(value) is not dict:
                    return MISSING
                value = value.get(step, MISSING)
                if value is MISSING:
                    return MISSING
            else:
                if type(value) is not list or not -len(value) <= step < len(value):
                    return MISSING
                value = value[step]
        return value

    def split_each(self) -> tuple[Path, Path]:
        """For ``results[].id``: the list's path ``results`` and the item path ``id``."""
        index = self.steps.index(EACH)
        head, tail = self.steps[:index], self.steps[index + 1 :]
        return Path(format_steps(head), head), Path(format_steps(tail), tail)

    @property
    def has_each(self) -> bool:
        return EACH in self.steps


def compile_path(text: str) -> Path:
    """Parse ``a.b[0].c`` or ``items[].id``; raises PathSyntaxError naming the problem."""
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError("a path must be a non-empty string")
    steps: list[str | int] = []
    position = 0
    expect_key = True
    while position < len(text):
        if text[position] == "." and not expect_key:
            position += 1
            expect_key = True
            continue
        match = _STEP.match(text, position)
        if match is None or (match.group(1) is not None and not expect_key):
            raise PathSyntaxError(f"unexpected {text[position]!r} at position {position}")
        if match.group(1) is not None:
            steps.append(match.group(1))
        else:
            steps.append(EACH if match.group(2) == "" else int(match.group(2)))
        position = match.end()
        expect_key = False
    if expect_key:
        raise PathSyntaxError("a path cannot end with '.'")
    if steps.count(EACH) > 1:
        raise PathSyntaxError("a path may hold at most one '[]'")
    return Path(text, tuple(steps))


def format_steps(steps: tuple[str | int, ...]) -> str:
    """The text of a path from its steps (the inverse of compile_path)."""
    parts: list[str] = []
    for step in steps:
        if isinstance(step, str):
            parts.append(f".{step}" if parts else step)
        else:
            parts.append("[]" if step == EACH else f"[{step}]")
    return "".join(parts)


def iter_leaves(body: Any, max_depth: int = 32) -> Iterator[tuple[str, Any]]:
    """Every scalar in a body with its path; list items are written ``[n]``."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), body)]
    while stack:
        steps, value = stack.pop()
        if isinstance(value, dict) and len(steps) < max_depth:
            for key, item in reversed(list(value.items())):
                if isinstance(key, str) and _STEP.fullmatch(key) and "[" not in key:
                    stack.append(((*steps, key), item))
        elif isinstance(value, list) and len(steps) < max_depth:
            for index in reversed(range(len(value))):
                stack.append(((*steps, index), value[index]))
        elif not isinstance(value, dict | list) and steps:
            yield format_steps(steps), value
