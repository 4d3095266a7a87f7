"""Seeded mutations of real vendor payloads: the hostile inputs the fuzz tests replay.

Each mutation takes a decoded JSON document (or its bytes) and returns new bytes: NUL and
control characters in strings, invalid UTF-8, huge/negative/NaN/inf numbers, 1e-9 quantities,
year 9999 / year 0 dates, wrong types, missing keys, a single object in place of a list (and
back), ``"null"`` strings, truncated JSON. :func:`cases` yields them reproducibly from a seed.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

HOSTILE_STRINGS = [
    "\x00",
    "\x00SPY",
    "SP\x00Y",
    "SPY\x01",
    "SPY\n",
    "\x7f",
    "\u2028",
    "null",
    "",
    " ",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e300",
    "-1e300",
    "1e-9",
    "9999-12-31",
    "0000-01-01",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2024-13-45",
    "A" * 300,
]
HOSTILE_NUMBERS: list[Any] = [
    1e300,
    -1e300,
    -1,
    -0.01,
    0,
    1e-9,
    0.5,
    2.5,
    17014118346047.0,
    34028236692094.0,
    2**63,
    2**64 - 1,
    -(2**63),
    253402300799000,  # 9999-12-31 in epoch ms
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    True,
    None,
    "null",
]


@dataclass(frozen=True, slots=True)
class Case:
    """One mutated payload and how it was made (for the failure message)."""

    body: bytes
    how: str


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _delete(doc: Any, path: tuple[Any, ...]) -> Any:
    if path:
        del _get(doc, path[:-1])[path[-1]]
    return doc


def _hostile_string(rng: random.Random, value: Any) -> str:
    pick = rng.choice(HOSTILE_STRINGS)
    if isinstance(value, str) and value and rng.random() < 0.5:
        at = rng.randrange(len(value) + 1)
        return value[:at] + rng.choice(["\x00", "\x01", "\x1f", "\x7f", "\ufffd"]) + value[at:]
    return pick


def _leaf_mutation(rng: random.Random, value: Any) -> tuple[Any, str]:
    roll = rng.random()
    if isinstance(value, str) and roll < 0.6:
        new: Any = _hostile_string(rng, value)
    elif isinstance(value, int | float) and not isinstance(value, bool) and roll < 0.7:
        new = rng.choice(HOSTILE_NUMBERS)
        if rng.random() < 0.5 and not isinstance(new, bool | type(None)):
            new = str(new)  # Tradier streams numbers as strings
    elif isinstance(value, list) and value and roll < 0.5:
        new = value[0]  # a list of one arrives as the bare object
    elif isinstance(value, dict) and roll < 0.4:
        new = [value, copy.deepcopy(value)]
    else:
        new = rng.choice([None, "null", "", [], {}, 0, "x", [1, "a"], {"a": None}])
    return new, f"{value!r:.60} -> {new!r:.60}"


def mutate_document(doc: Any, rng: random.Random, edits: int) -> Case:
    """Return `doc` with `edits` structural or value mutations, JSON-encoded."""
    doc = copy.deepcopy(doc)
    notes = []
    for _ in range(edits):
        path = rng.choice(_paths(doc))
        if path and rng.random() < 0.15 and isinstance(_get(doc, path[:-1]), dict):
            doc = _delete(doc, path)
            notes.append(f"del {path}")
            continue
        new, note = _leaf_mutation(rng, _get(doc, path))
        doc = _set(doc, path, new)
        notes.append(f"{path}: {note}")
    return Case(json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode(), "; ".join(notes))


def mutate_bytes(body: bytes, rng: random.Random) -> Case:
    """Return `body` truncated, or with invalid UTF-8 bytes spliced into it."""
    if rng.random() < 0.4:
        cut = rng.randrange(len(body) + 1)
        return Case(body[:cut], f"truncated at {cut}")
    bad = rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"])
    quotes = [i for i, byte in enumerate(body) if byte == ord('"')]
    at = rng.choice(quotes) + 1 if quotes else rng.randrange(len(body) + 1)
    return Case(body[:at] + bad + body[at:], f"invalid UTF-8 {bad!r} at {at}")


def cases(
    seed: int,
    count: int,
    bases: list[Any],
    wrap: Callable[[Any], Any] = lambda doc: doc,
) -> Iterator[Case]:
    """Yield `count` mutations of the documents `bases`, reproducibly from `seed`.

    `wrap` turns a base into the document to mutate (e.g. put a bare record in an envelope).
    """
    rng = random.Random(seed)
    for _ in range(count):
        doc = wrap(rng.choice(bases))
        if rng.random() < 0.2:
            yield mutate_bytes(json.dumps(doc).encode(), rng)
        else:
            yield mutate_document(doc, rng, rng.choice([1, 1, 1, 2, 3]))
