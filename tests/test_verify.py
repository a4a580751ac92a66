"""`qa verify`: every indexed offset and document hash checked against the files."""

from __future__ import annotations

from click.testing import CliRunner

from conftest import BLOG, CORPUS
from fixtures_archive import built_index, copy_corpus, copy_index, encoder  # noqa: F401  (fixtures)
from qa.cli import main


def verify(corpus, index):
    return CliRunner().invoke(main, ["verify", "--corpus", str(corpus), "--index", str(index)])


def test_verify_passes_on_the_archive_and_its_index(built_index):
    result = verify(CORPUS, built_index.path)
    assert result.exit_code == 0, result.output
    assert "all hold" in result.stdout
    assert "5 documents" in result.stdout and "0 passages" not in result.stdout


def test_verify_names_a_file_changed_since_indexing(built_index, tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    with open(corpus / f"{BLOG}.txt", "a", encoding="utf-8") as out:
        out.write("\nA line added after indexing.\n")
    result = verify(corpus, copy_index(built_index, tmp_path / "index"))
    assert result.exit_code == 1
    assert f"mismatch: {corpus / (BLOG + '.txt')}: changed since it was indexed" in result.stderr


def test_verify_names_a_file_that_is_gone(built_index, tmp_path):
    corpus = copy_corpus(tmp_path / "corpus", skip=(f"{BLOG}.txt",))
    result = verify(corpus, copy_index(built_index, tmp_path / "index"))
    assert result.exit_code == 1
    assert "the file is gone" in result.stderr
