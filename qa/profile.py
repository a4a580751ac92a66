"""An archive's profile: what is particular to one collection, as data kept with its corpus.

`<corpus>/profile.toml` says which lines are page furniture, how footnotes and comments are
printed, and the vocabulary questions use (titles before names, nouns that refer back,
spelling variants). It is validated on load: an unknown key, a wrong type or a pattern that
does not compile is a `ProfileError` naming the file and the key. Without the file the
neutral `Profile.default()` applies: it drops nothing that is text.

Line patterns (`furniture.*`, `footnotes.line`, `comments.author_line`) must match a whole
block (one line, or lines joined by hard wrapping) and are compiled with `re.DOTALL`;
`footnotes.marker` and `vocabulary.variants[].pattern` are searched inside the text.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ProfileError

__all__ = ["PROFILE_NAME", "Profile", "Furniture", "Footnotes", "Comments", "Vocabulary", "Variant", "Chat", "load_profile"]

PROFILE_NAME = "profile.toml"

_LINE_FLAGS = re.DOTALL


@dataclass(frozen=True)
class Furniture:
    """Blocks that are the page, not the document; each tuple is tried in order."""

    lines: tuple[re.Pattern[str], ...] = ()  # furniture anywhere
    header: tuple[re.Pattern[str], ...] = ()  # furniture only in the document's head (metadata blocks)
    end_of_content: tuple[re.Pattern[str], ...] = ()  # from this block on, the rest is the page
    lead_ins: tuple[re.Pattern[str], ...] = ()  # bare lines that only introduce the next numbered paragraph


@dataclass(frozen=True)
class Footnotes:
    """How a footnote is printed (group 1 its number, group 2 its text) and how the body cites it (group 1)."""

    line: re.Pattern[str] = re.compile(r"\[\^(\d{1,3})\]:[ \t]*(.*?)\s*", _LINE_FLAGS)  # "[^4]: text"
    marker: re.Pattern[str] = re.compile(r"\[\^(\d{1,3})\]")  # "[^4]"


@dataclass(frozen=True)
class Comments:
    """The line that opens a reader's comment: group 1 its number, group 2 the author; None: no comments."""

    author_line: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Variant:
    """A spelling made one token for search: `pattern.sub(replacement, text)` before tokenizing."""

    pattern: re.Pattern[str]
    replacement: str


@dataclass(frozen=True)
class Vocabulary:
    """Words the question stage needs to know about this collection."""

    titles: tuple[str, ...] = ("Mr", "Mrs", "Ms", "Dr", "Prof")  # words before a person's name
    referring_nouns: tuple[str, ...] = ()  # phrases a follow-up question uses to refer back
    name_prefixes: tuple[str, ...] = ()  # a capitalised word after one of these is a name
    place_nouns: tuple[str, ...] = ("country", "city", "town", "region")
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Chat:
    """What the chat shows a new user of this archive: example questions (a follow-up may come last)."""

    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """Everything particular to one archive; `source` is the file it came from ("" for the default)."""

    furniture: Furniture = Furniture()
    footnotes: Footnotes = Footnotes()
    comments: Comments = Comments()
    vocabulary: Vocabulary = Vocabulary()
    # Not part of the fingerprint: what the chat offers changes nothing in the index.
    chat: Chat = field(default=Chat(), compare=False)
    source: str = field(default="", compare=False)

    @classmethod
    def default(cls) -> Profile:
        """The neutral profile: no furniture, Markdown footnotes, no comments, generic English vocabulary."""
        return cls()

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical content: an index built under another profile is stale."""
        canonical = json.dumps(_canonical(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_profile(corpus: Path) -> Profile:
    """The profile in `corpus/profile.toml`, or the default when there is none; ProfileError if it is bad."""
    path = Path(corpus) / PROFILE_NAME
    if not path.is_file():
        return Profile.default()
    name = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ProfileError(name, "", f"cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(name, "", f"not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(name, "", f"not valid TOML ({exc})") from exc
    return _build(name, raw)


# -- validation ------------------------------------------------------------------------------

# What each section may hold: key -> (kind, groups a pattern needs).
_SCHEMA: dict[str, dict[str, tuple[str, int]]] = {
    "furniture": {"lines": ("lines", 0), "header": ("lines", 0), "end_of_content": ("lines", 0),
                  "lead_ins": ("lines", 0)},
    "footnotes": {"line": ("line", 2), "marker": ("search", 1)},
    "comments": {"author_line": ("line", 2)},
    "vocabulary": {"titles": ("words", 0), "referring_nouns": ("words", 0), "name_prefixes": ("words", 0),
                   "place_nouns": ("words", 0), "variants": ("variants", 0)},
    "chat": {"examples": ("words", 0)},
}
_SECTIONS = {"furniture": Furniture, "footnotes": Footnotes, "comments": Comments, "vocabulary": Vocabulary,
             "chat": Chat}


def _build(name: str, raw: dict[str, Any]) -> Profile:
    sections = {}
    for section, value in raw.items():
        if section not in _SCHEMA:
            raise ProfileError(name, section, f"unknown section; expected one of {', '.join(_SCHEMA)}")
        if not isinstance(value, dict):
            raise ProfileError(name, section, f"must be a table ([{section}]), not {_type(value)}")
        values = {}
        for key, item in value.items():
            if key not in _SCHEMA[section]:
                raise ProfileError(name, f"{section}.{key}", f"unknown key; expected one of {', '.join(_SCHEMA[section])}")
            kind, groups = _SCHEMA[section][key]
            values[key] = _READERS[kind](name, f"{section}.{key}", item, groups)
        sections[section] = _SECTIONS[section](**values)
    return Profile(**sections, source=name)


def _pattern(name: str, key: str, value: Any, groups: int, flags: int) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise ProfileError(name, key, f"must be a string (a regular expression), not {_type(value)}")
    if not value:
        raise ProfileError(name, key, "is empty; a pattern that matches nothing in particular drops everything")
    try:
        pattern = re.compile(value, flags)
    except re.error as exc:
        raise ProfileError(name, key, f"regular expression does not compile ({exc})") from exc
    if pattern.groups < groups:
        raise ProfileError(name, key, f"needs {groups} group(s) in parentheses, has {pattern.groups}")
    return pattern


def _list(name: str, key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ProfileError(name, key, f"must be a list, not {_type(value)}")
    return value


def _lines(name: str, key: str, value: Any, groups: int) -> tuple[re.Pattern[str], ...]:
    return tuple(_pattern(name, f"{key}[{i}]", item, groups, _LINE_FLAGS) for i, item in enumerate(_list(name, key, value)))


def _line(name: str, key: str, value: Any, groups: int) -> re.Pattern[str]:
    return _pattern(name, key, value, groups, _LINE_FLAGS)


def _search(name: str, key: str, value: Any, groups: int) -> re.Pattern[str]:
    return _pattern(name, key, value, groups, 0)


def _words(name: str, key: str, value: Any, groups: int) -> tuple[str, ...]:
    words = _list(name, key, value)
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word.strip():
            raise ProfileError(name, f"{key}[{i}]", f"must be a non-empty string, not {_type(word)} {word!r}")
    return tuple(words)


def _variants(name: str, key: str, value: Any, groups: int) -> tuple[Variant, ...]:
    variants = []
    for i, item in enumerate(_list(name, key, value)):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise ProfileError(name, where, f"must be a table {{pattern = '…', replacement = '…'}}, not {_type(item)}")
        unknown = set(item) - {"pattern", "replacement"}
        if unknown:
            raise ProfileError(name, f"{where}.{sorted(unknown)[0]}", "unknown key; expected pattern, replacement")
        if "pattern" not in item or "replacement" not in item:
            raise ProfileError(name, where, "needs both pattern and replacement")
        pattern = _search(name, f"{where}.pattern", item["pattern"], 0)
        replacement = item["replacement"]
        if not isinstance(replacement, str):
            raise ProfileError(name, f"{where}.replacement", f"must be a string, not {_type(replacement)}")
        try:
            pattern.sub(replacement, "")  # compiles the replacement: bad escapes and group references fail here
        except (re.error, IndexError) as exc:
            raise ProfileError(name, f"{where}.replacement", f"does not fit the pattern ({exc})") from exc
        variants.append(Variant(pattern, replacement))
    return tuple(variants)


_READERS = {"lines": _lines, "line": _line, "search": _search, "words": _words, "variants": _variants}


def _type(value: Any) -> str:
    return {str: "a string", int: "a number", float: "a number", bool: "true/false", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _canonical(value: Any) -> Any:
    if isinstance(value, re.Pattern):
        return {"pattern": value.pattern, "flags": value.flags}
    if isinstance(value, tuple):
        return [_canonical(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value) if f.compare}
    return value
