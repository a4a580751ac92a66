"""Bad files give one clear line naming the file and the reason; the rest of the corpus still loads."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from conftest import CORPUS
from qa.cli import main
from qa.documents import load_corpus

ARCHIVE_FILE = "2010-12-09-scd9-first-six-months.txt"


def corpus_with(tmp_path, files: dict[str, bytes]):
    shutil.copy(CORPUS / ARCHIVE_FILE, tmp_path / ARCHIVE_FILE)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def reasons(load):
    return {error.path.rsplit("/", 1)[-1]: error.reason for error in load.errors}


def test_each_bad_text_file_gets_its_own_error_and_the_good_one_still_loads(tmp_path):
    corpus = corpus_with(tmp_path, {
        "empty.txt": b"",
        "blank.txt": b"  \n\n ",
        "junk.txt": bytes(range(256)) * 40,
        "report.docx": b"PK\x03\x04 not really a docx",
        "only-headings.txt": b"Title\n\nAnother heading\n",
    })
    load = load_corpus(corpus)
    assert [d.path for d in load.documents] == [ARCHIVE_FILE]
    assert reasons(load) == {
        "blank.txt": "empty file",
        "empty.txt": "empty file",
        "junk.txt": "binary data, not text (it holds NUL bytes)",
        "only-headings.txt": "no paragraphs of text found",
        "report.docx": "unsupported file type .docx; supported: .txt, .md, .html, .htm, .pdf",
    }
    for error in load.errors:
        assert "\n" not in str(error)
        assert str(error).startswith(str(corpus))


def test_cp1252_text_is_read_with_a_warning(tmp_path):
    text = "Café policing\n\n1. The café’s owner said “no comment”.\n\n2. A second paragraph costs £5.\n"
    corpus = corpus_with(tmp_path, {"legacy.txt": text.encode("cp1252")})
    load = load_corpus(corpus)
    document = next(d for d in load.documents if d.path == "legacy.txt")
    assert load.errors == ()
    assert any("legacy.txt" in w and "cp1252" in w for w in load.warnings)
    first = document.paragraph("n1")
    assert document.paragraph_text(first) == "The café’s owner said “no comment”."
    assert document.paragraph("n2").reference == "para 2"


def test_file_without_catalog_entry_takes_title_and_date_from_its_text(tmp_path):
    shutil.copy(CORPUS / "2009-07-16-womens-safety-olympics.txt", tmp_path / "uncatalogued.txt")
    (tmp_path / "2011-05-02-notes_on_raids.txt").write_text("1. Raids rose in May.\n", encoding="utf-8")
    load = load_corpus(tmp_path)
    by_file = {d.path: d for d in load.documents}
    report = by_file["uncatalogued.txt"]
    assert report.title == "Women's Safety and the Policing of the 2012 Olympics"
    assert report.date == "2009-07-16"
    assert report.source == "Report 9, 16 July 2009"
    notes = by_file["2011-05-02-notes_on_raids.txt"]
    assert (notes.title, notes.date) == ("Notes on raids", "2011-05-02")


def test_cli_exit_status_says_some_files_failed(tmp_path):
    corpus = corpus_with(tmp_path, {"empty.txt": b""})
    result = CliRunner().invoke(main, ["documents", "--corpus", str(corpus)])
    assert result.exit_code == 1
    assert f"error: {corpus / 'empty.txt'}: empty file" in result.stderr
    assert "2010-12-09-scd9-first-six-months" in result.stdout


def test_bad_pdfs_fail_one_line_each_and_the_rest_still_loads(tmp_path):
    from fpdf import FPDF

    def pdf(password=None, text="1. Raids rose in May across the Olympic boroughs."):
        document = FPDF()
        if password:
            document.set_encryption(owner_password="owner", user_password=password)
        document.add_page()
        document.set_font("Helvetica", size=12)
        if text:
            document.multi_cell(0, 8, text)
        else:
            document.rect(20, 20, 50, 50)
        return bytes(document.output())

    good = pdf()
    corpus = corpus_with(tmp_path, {
        "good.pdf": good,
        "truncated.pdf": good[: len(good) // 2],
        "locked.pdf": pdf(password="secret"),
        "scanned.pdf": pdf(text=""),
        "empty.pdf": b"",
    })
    load = load_corpus(corpus)
    assert sorted(d.path for d in load.documents) == [ARCHIVE_FILE, "good.pdf"]
    found = reasons(load)
    assert found["locked.pdf"] == "encrypted (needs a password)"
    assert found["scanned.pdf"].startswith("no extractable text")
    assert found["empty.pdf"] == "empty file"
    assert found["truncated.pdf"].startswith("not a readable PDF")
    assert all("\n" not in str(e) for e in load.errors)
    good_doc = next(d for d in load.documents if d.path == "good.pdf")
    assert good_doc.paragraphs[0].page == 1
