"""Upgrades on purpose: lock the newest versions pyproject.toml allows, test them, then adopt them.

    python .ci/upgrade.py            # re-lock into a scratch folder, install in a new venv, run the fast tier
    python .ci/upgrade.py --write    # ... and, if the tests pass, replace requirements/*.txt
    python .ci/upgrade.py --full     # the whole suite instead of the fast tier

The locks (`requirements/app.txt`, `requirements/test.txt`) are pip-compile's output from
`pyproject.toml` and `requirements/pins.in`, with hashes, for CPython 3.11 on Linux x86-64.
A dependency's new release reaches users only through this script: it prints every version that
would change, and the locks are replaced only when the tests passed on exactly those versions.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
PINS = LOCKS / "pins.in"
# Each lock: its file and the pyproject extras it holds. The app's is compiled apart (fewer packages)
# and checked to agree with the test lock on every package they share.
TARGETS = {"test.txt": ["test"], "app.txt": []}


def run(command: list[str], **options) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, **options)


def new_venv(path: Path) -> Path:
    venv.create(path, with_pip=True, clear=True)
    return path / "bin" / "python"


def compile_locks(tools: Path, out: Path) -> None:
    """Write each lock of TARGETS into `out`, every package at the newest version allowed."""
    for name, extras in TARGETS.items():
        options = [arg for extra in extras for arg in ("--extra", extra)]
        run([str(tools), "-m", "piptools", "compile", "--quiet", "--upgrade", "--generate-hashes", "--strip-extras",
             "--allow-unsafe", "--no-emit-index-url", "--no-emit-find-links", *options,
             "--output-file", str(out / name), "pyproject.toml", str(PINS.relative_to(ROOT))], cwd=ROOT)
        # pip-compile writes its own command line into the file: keep it free of this scratch folder.
        text = (out / name).read_text(encoding="utf-8").replace(str(out / name), f"requirements/{name}")
        (out / name).write_text(text, encoding="utf-8")


def pins(path: Path) -> dict[str, str]:
    """name → version of every package a lock pins."""
    if not path.is_file():
        return {}
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", path.read_text(encoding="utf-8"), re.M))


def changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    lines = [f"  {name}: {old.get(name, '-')} -> {new.get(name, '-')}" for name in sorted(set(old) | set(new))
             if old.get(name) != new.get(name)]
    return lines or ["  (no version changes)"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="replace requirements/*.txt when the tests pass")
    parser.add_argument("--full", action="store_true", help="run the whole suite, not the fast tier")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qa-upgrade-") as scratch:
        scratch = Path(scratch)
        tools = new_venv(scratch / "tools")
        run([str(tools), "-m", "pip", "install", "--quiet", "--upgrade", "pip", "pip-tools"])
        (scratch / "locks").mkdir()
        compile_locks(tools, scratch / "locks")

        app, test = pins(scratch / "locks" / "app.txt"), pins(scratch / "locks" / "test.txt")
        disagree = [f"{name} {app[name]} / {test.get(name)}" for name in app if test.get(name) != app[name]]
        if disagree:
            print("upgrade: the app and test locks disagree on", ", ".join(disagree))
            return 1
        print("upgrade: versions that would change (test lock):")
        print("\n".join(changes(pins(LOCKS / "test.txt"), test)))

        python = new_venv(scratch / "venv")
        run([str(python), "-m", "pip", "install", "--quiet", "-r", str(scratch / "locks" / "test.txt")])
        run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".[test]"], cwd=ROOT)
        tier = [] if args.full else ["-m", "not slow"]
        environment = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
        tested = subprocess.run([str(python), "-m", "pytest", "-q", *tier], cwd=ROOT, env=environment)
        if tested.returncode != 0:
            print(f"upgrade: the {'suite' if args.full else 'fast tier'} failed on the newest versions "
                  f"(pytest exit {tested.returncode}); the locks are unchanged")
            return 1
        if args.write:
            for name in TARGETS:
                shutil.copyfile(scratch / "locks" / name, LOCKS / name)
            print("upgrade: tests passed; requirements/ rewritten: review `git diff requirements/` and commit")
        else:
            print("upgrade: tests passed on the newest versions; run again with --write to adopt them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
