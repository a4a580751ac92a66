"""The lock files install what pyproject.toml asks for, each version hashed, the two locks in step."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import ROOT

LOCKS = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pinned(name: str) -> dict[str, str]:
    """Package → version of a lock; each pin must be followed by at least one hash."""
    text = (LOCKS / name).read_text(encoding="utf-8")
    found = {}
    for package, version, hashes in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)",
                                               text, re.M):
        assert hashes, f"{name}: {package}=={version} has no hash"
        found[canonicalize_name(package)] = version
    return found


def assert_holds(lock: dict[str, str], requirements: list[str], name: str) -> None:
    for line in requirements:
        requirement = Requirement(line)
        package = canonicalize_name(requirement.name)
        assert package in lock, f"{name} lacks {requirement.name}: re-lock with .ci/upgrade.py --write"
        assert requirement.specifier.contains(Version(lock[package]), prereleases=True), \
            f"{name}: {package}=={lock[package]} is outside pyproject's {requirement}"


def test_the_app_lock_pins_every_dependency_within_its_range():
    assert_holds(pinned("app.txt"), PYPROJECT["project"]["dependencies"], "app.txt")


def test_the_test_lock_adds_the_test_tools_within_their_ranges():
    extras = PYPROJECT["project"]["optional-dependencies"]["test"]
    assert_holds(pinned("test.txt"), PYPROJECT["project"]["dependencies"] + extras, "test.txt")


def test_the_two_locks_agree_on_every_package_they_share():
    app, test = pinned("app.txt"), pinned("test.txt")
    assert {p: (v, test.get(p)) for p, v in app.items() if test.get(p) != v} == {}


def test_the_locks_hold_pytorchs_cpu_build():
    # A plain torch wheel from PyPI is the CUDA build: several GB, and nvidia-* packages besides.
    for name in ("app.txt", "test.txt"):
        lock = pinned(name)
        assert Version(lock["torch"]).local == "cpu", name
        assert not [p for p in lock if p.startswith("nvidia-")], name
