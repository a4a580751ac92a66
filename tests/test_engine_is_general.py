"""The engine names nothing of this archive: what is particular to it lives in corpus/profile.toml."""

from __future__ import annotations

import re
import tomllib

from conftest import CORPUS, ROOT

# Names, places, units and document words of the project's archive, and its page furniture.
# ("permalink", once the blog's comment furniture, is now the API's own field: DESIGN.md, v2; the
# blog's word stays in the profile's `author_line`.)
ARCHIVE_WORDS = {
    "MOPC", "MPA", "MPS", "SCD", "SCD9", "Olympic", "Olympics", "WordPress", "London", "Newham",
    "borough", "boroughs", "Paladin", "Golf", "Swale", "Caiman", "CONOPS", "Boff", "trafficking", "prostitution",
    "Back", "Assembly",
}
GENERIC_TITLES = {"Mr", "Mrs", "Ms", "Dr", "Prof"}


def _profile_words() -> set[str]:
    """The names the archive's profile adds to the neutral one: its ranks and offices, its name prefixes."""
    vocabulary = tomllib.loads((CORPUS / "profile.toml").read_text(encoding="utf-8"))["vocabulary"]
    words = {w for key in ("titles", "name_prefixes") for phrase in vocabulary[key] for w in phrase.split()}
    return words - GENERIC_TITLES


def test_no_word_particular_to_this_archive_is_in_the_engine():
    words = ARCHIVE_WORDS | {w for w in _profile_words() if len(w) > 2}  # "AC", "CI", "DI" are parts of many words
    pattern = re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(words)))})\b")
    found = []
    for path in sorted((ROOT / "qa").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "archive words in the engine (move them to the profile):\n" + "\n".join(found)


def test_the_archive_profile_is_where_its_vocabulary_lives():
    assert {"Commander", "Inspector", "Operation"} <= _profile_words()
