"""CI's dependency audit: pip-audit over the lock file; fails on a finding, never on the network.

    python .ci/audit.py [LOCK]      # default requirements/test.txt (the app's lock is a subset of it)

Runs `pip-audit --vulnerability-service pypi` (the registry's own advisory data) over the pinned,
hashed versions of the lock, without installing or resolving anything (`--disable-pip`): what
the README's commands install is what is audited. A known vulnerability in a locked package fails the step (exit 1, one line each) unless its id is
in TRIAGED with the reason, as the README's Security section says. A package the service could
not be asked about (offline, or a registry mirror without the per-version endpoint) is counted
and reported, and does not fail CI: the audit is then "not done", said plainly, not "clean".
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements" / "test.txt"

# Findings looked at and accepted, by advisory id, each with why (keep the README in step).
TRIAGED: dict[str, str] = {}


def main(lock: Path = LOCK) -> int:
    if not lock.is_file():
        print(f"audit: {lock} is missing; run .ci/upgrade.py to write the locks")
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "audit.json"
        done = subprocess.run([sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--disable-pip",
                               "--require-hashes", "--vulnerability-service", "pypi",
                               "--progress-spinner", "off", "--format", "json", "--output", str(report)],
                              capture_output=True, text=True, timeout=900)
        if not report.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"audit: not done, pip-audit could not run or reach its service ({last[:200]})")
            return 0
        dependencies = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    findings = [(d["name"], d["version"], v) for d in dependencies for v in d.get("vulns", [])
                if v["id"] not in TRIAGED and not set(v.get("aliases", [])) & set(TRIAGED)]
    for name, version, vuln in findings:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        print(f"audit: {name} {version}: {vuln['id']} (fixed in {fixes})")
    audited = len(dependencies) - len(skipped)
    print(f"audit: {audited} of {len(dependencies)} packages of {lock.name} checked, {len(findings)} untriaged findings"
          + (f"; {len(skipped)} could not be checked (service unreachable or package unknown to it)" if skipped else ""))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])) if len(sys.argv) > 1 else main())
