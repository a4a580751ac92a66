"""The question flows one way: request → analysis → retrieval → scoring → quotes.

Each module of `qa/` sits in a layer (the order of DESIGN.md's data flow); a module may import
only from its own layer or an earlier one, so no stage reaches back into a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "qa"

# Earlier layers first. A module in no layer fails the test: place it when you add it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "types", "config", "limits", "runtime", "atomic", "access", "visible"),
    ("profile",),
    ("documents",),  # parsing: text, HTML, PDF, structure, catalog
    ("chunking", "lexical"),
    ("embedding", "onnx_encoder", "shards"),
    ("stores",),  # passage stores: FAISS + bm25s, Qdrant
    ("store", "indexer", "verify", "ray_ingest"),
    ("references", "query"),  # the question, analysed once
    ("retrieval",),
    ("reader.model", "reader.data", "reader.evaluate", "reader.export", "reader"),
    ("scoring",),
    ("answer",),
    ("results", "evaluation", "citecheck", "verdicts", "archive", "problems"),  # the facade and its typed results (and error shapes)
    ("live",),  # the facade swapped whole when a document is added or removed
    ("reader.train", "reader.decision"),  # training: the reader, and the decision over its candidates
    ("export", "reading"),  # an answer as Markdown/CSV/JSON; the reading page a permalink opens
    ("ui", "chat_verdicts", "server", "cli", "document_routes", "cli_live", "verdict_routes", "verify_routes"),
)


def _layer_of(module: str) -> int:
    """The layer of a dotted module name inside qa ("documents.pdf" → the documents layer)."""
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        name = ".".join(parts[:depth])
        for rank, layer in enumerate(LAYERS):
            if name in layer:
                return rank
    raise LookupError(module)


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in relative.parts if p != "__init__"]
        if parts:
            found.append((".".join(parts), path))
    return found


def _imports(module: str, path: Path) -> set[str]:
    """The qa modules `path` imports (relative imports resolved; `from . import x` counts as x)."""
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "qa":
                target = node.module.split(".")[1:]
            else:
                continue
            if node.module is None or not target:
                names |= {".".join(target + [alias.name]) for alias in node.names}
            else:
                names.add(".".join(target))
        elif isinstance(node, ast.Import):
            names |= {alias.name.split(".", 1)[1] for alias in node.names if alias.name.startswith("qa.")}
    return {n for n in names if n}


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_a_module_imports_only_from_its_own_or_an_earlier_stage(module, path):
    own = _layer_of(module)
    later = sorted(name for name in _imports(module, path) if _layer_of(name) > own)
    assert not later, f"qa/{path.relative_to(PACKAGE)} imports from a later stage: {later}"


def test_every_module_has_a_layer():
    unplaced = []
    for module, _ in _modules():
        try:
            _layer_of(module)
        except LookupError:
            unplaced.append(module)
    assert not unplaced, f"place these modules in LAYERS: {unplaced}"
