"""The README's top commands and its "Using the API" examples are the ones that work."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT
from server_process import live_server  # noqa: F401  (a fixture)

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE_BASE = "http://127.0.0.1:7860"


def blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def api_section() -> str:
    return README.split("## Using the API", 1)[1].split("\n## ", 1)[0]


def test_readme_opens_with_the_install_and_run_and_the_install_and_test_commands():
    first, second = blocks("bash")[:2]
    assert first.strip() == "pip install -r requirements/app.txt && pip install --no-deps -e . && python app.py"
    assert second.strip() == 'pip install -r requirements/test.txt && pip install --no-deps -e ".[test]" && python -m pytest'
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip() in ci.splitlines()


@pytest.mark.slow  # a real server process
def test_curl_example_answers_with_a_quote(live_server):
    (curl,) = blocks("bash", api_section())
    command = curl.replace(EXAMPLE_BASE, live_server.url).replace("\\\n", " ")
    output = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, check=True).stdout
    assert '"answered":true' in output.replace(" ", "")
    assert "12 times more likely to be murdered" in output


@pytest.mark.slow  # a real server process
def test_python_examples_run_against_the_live_server(live_server):
    for code in blocks("python", api_section()):
        completed = subprocess.run([sys.executable, "-c", code.replace(EXAMPLE_BASE, live_server.url)],
                                   capture_output=True, text=True, timeout=180)
        assert completed.returncode == 0, completed.stderr[-2000:]
        assert completed.stdout.strip()
