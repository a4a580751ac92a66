"""read_pdf: paragraph blocks with page numbers, and a one-line DocumentError for any bad file."""

from __future__ import annotations

import random
import re
import sys
import time
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from pypdf import PdfReader

from qa.documents.child import run_parser
from qa.documents.pdf import read_pdf
from qa.errors import DocumentError

PARAGRAPH_1 = "1. " + " ".join(
    ["The Committee considered the report on the policing of the Games and the safety of women."] * 5
)
PARAGRAPH_2 = "2. " + " ".join(
    ["Paragraph two keeps running until it crosses onto the next page of the report."] * 9
)
LEAD_IN = "Members asked the following questions."
PLAIN = " ".join(["Members asked whether the partnership would continue after the Games had ended."] * 3)
BULLETS = ["- the funding of the unit;", "- the training of officers;", "- the role of the partners."]
PARAGRAPH_3 = "3. The Committee is asked to note the report."


def _new_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    return pdf


def _write(pdf: FPDF, text: str, *, bold: bool = False, size: int = 11) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _report(path: Path) -> Path:
    """Two pages: a heading, wrapped numbered paragraphs (2 crosses the page break), bullets."""
    pdf = _new_pdf()
    _write(pdf, "A. Background", bold=True, size=14)
    _write(pdf, PARAGRAPH_1)
    _write(pdf, "Findings", bold=True, size=14)
    _write(pdf, LEAD_IN)
    _write(pdf, PLAIN)
    for bullet in BULLETS:
        _write(pdf, bullet)
    pdf.set_y(240)
    _write(pdf, PARAGRAPH_2)
    _write(pdf, PARAGRAPH_3)
    pdf.output(str(path))
    return path


def _block_texts(text: str, blocks: list) -> list[str]:
    return [text[b.start : b.end] for b in blocks]


def _flat(block_text: str) -> str:
    return block_text.replace("\n", " ")


def _reason(excinfo: pytest.ExceptionInfo[DocumentError], path: Path) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return excinfo.value.reason


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list]:
    path = _report(tmp_path_factory.mktemp("pdf") / "report.pdf")
    text, blocks = read_pdf(path)
    return path, text, blocks


def test_canonical_text_is_pypdfs_page_text_joined_by_blank_lines(report) -> None:
    path, text, _ = report
    pages = [page.extract_text() for page in PdfReader(path).pages]
    assert len(pages) == 2
    assert text == "\n\n".join(pages)


def test_block_offsets_point_at_stripped_non_empty_text(report) -> None:
    _, text, blocks = report
    assert blocks
    for block in blocks:
        span = text[block.start : block.end]
        assert span and span == span.strip()
    assert [b.start for b in blocks] == sorted(b.start for b in blocks)
    assert all(a.end < b.start for a, b in zip(blocks, blocks[1:]))


def test_wrapped_lines_of_a_paragraph_form_one_block(report) -> None:
    _, text, blocks = report
    texts = _block_texts(text, blocks)
    first = next(t for t in texts if t.startswith("1. "))
    assert first.count("\n") >= 2  # it really was wrapped on the page
    assert _flat(first) == PARAGRAPH_1
    assert _flat(next(t for t in texts if t.startswith("Members asked whether"))) == PLAIN


def test_blocks_are_headings_paragraphs_and_bullets_in_order(report) -> None:
    _, text, blocks = report
    flat = [_flat(t) for t in _block_texts(text, blocks)]
    page_1 = ["A. Background", PARAGRAPH_1, "Findings", LEAD_IN, PLAIN, *BULLETS]
    assert flat[: len(page_1)] == page_1
    assert [b.kind for b in blocks[5:8]] == ["bullet"] * 3


def test_a_paragraph_across_a_page_break_becomes_one_block_per_page(report) -> None:
    _, text, blocks = report
    texts = [_flat(t) for t in _block_texts(text, blocks)]
    i = next(i for i, t in enumerate(texts) if t.startswith("2. "))
    head, tail = blocks[i], blocks[i + 1]
    assert (head.page, tail.page) == (1, 2)
    assert f"{texts[i]} {texts[i + 1]}" == PARAGRAPH_2
    assert texts[i + 2 :] == [PARAGRAPH_3] and blocks[-1].page == 2


def test_every_block_carries_its_page_number(report) -> None:
    path, text, blocks = report
    page_1_end = len(PdfReader(path).pages[0].extract_text())
    for block in blocks:
        assert block.page == (1 if block.end <= page_1_end else 2)


def test_pdf_with_only_an_owner_password_loads(tmp_path: Path) -> None:
    pdf = _new_pdf()
    _write(pdf, PARAGRAPH_3)
    pdf.set_encryption(owner_password="owner", encryption_method=EncryptionMethod.AES_128)
    path = tmp_path / "owner-only.pdf"
    pdf.output(str(path))
    text, blocks = read_pdf(path)
    assert text == PARAGRAPH_3 and len(blocks) == 1


# Bad files: each is one DocumentError whose message is "path: reason" on one line.


def test_truncated_pdf_is_not_readable(tmp_path: Path) -> None:
    whole = _report(tmp_path / "whole.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(path)
    assert re.fullmatch(r"not a readable PDF: \w+(: .+)?", _reason(excinfo, path))


def test_pdf_with_a_user_password_is_reported_as_encrypted(tmp_path: Path) -> None:
    pdf = _new_pdf()
    _write(pdf, PARAGRAPH_3)
    pdf.set_encryption(owner_password="owner", user_password="secret", encryption_method=EncryptionMethod.AES_128)
    path = tmp_path / "encrypted.pdf"
    pdf.output(str(path))
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(path)
    assert _reason(excinfo, path) == "encrypted (needs a password)"


def test_pdf_without_text_is_reported_as_probably_scanned(tmp_path: Path) -> None:
    pdf = _new_pdf()
    pdf.rect(20, 20, 100, 50, style="F")
    path = tmp_path / "drawing.pdf"
    pdf.output(str(path))
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(path)
    assert _reason(excinfo, path) == "no extractable text (scanned images?)"


def test_empty_file_is_reported_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(path)
    assert _reason(excinfo, path) == "empty file"


def test_random_bytes_are_not_a_readable_pdf(tmp_path: Path) -> None:
    path = tmp_path / "noise.pdf"
    path.write_bytes(random.Random(7).randbytes(20_000))
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(path)
    assert re.fullmatch(r"not a readable PDF: \w+(: .+)?", _reason(excinfo, path))


def test_missing_file_is_reported_without_starting_a_parser(tmp_path: Path) -> None:
    path = tmp_path / "missing.pdf"
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(path)
    assert _reason(excinfo, path).startswith("cannot read the file")


# Parser bombs: a 12 kB file whose one page holds 8 MB of text operators once inflated.
# Without limits pypdf needs seconds and gigabytes before it gives up.


def _pdf_with_content_stream(content: bytes) -> bytes:
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _content(shows: int) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td " + b"(Aa) Tj " * shows + b"ET"


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.pdf"
    path.write_bytes(_pdf_with_content_stream(_content(1_000_000)))
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.pdf"
    path.write_bytes(_pdf_with_content_stream(_content(3)))
    return path


def test_hand_written_pdf_loads_within_tight_limits(small: Path) -> None:
    text, blocks = read_pdf(small, timeout=10, memory_limit=200 * 1024**2)
    assert text == "AaAaAa" and blocks[0].page == 1


def test_parser_bomb_is_killed_at_the_timeout(bomb: Path) -> None:
    started = time.monotonic()
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(bomb, timeout=1.0)
    assert _reason(excinfo, bomb) == "PDF parser timed out after 1 s"
    assert time.monotonic() - started < 3.0


@pytest.mark.slow  # a child process fills its memory limit
def test_parser_bomb_stops_at_the_memory_limit(bomb: Path) -> None:
    with pytest.raises(DocumentError) as excinfo:
        read_pdf(bomb, timeout=60, memory_limit=200 * 1024**2)
    assert _reason(excinfo, bomb) == "PDF parser exceeded the memory limit"


def test_child_killed_by_a_signal_is_reported_as_a_crash() -> None:
    with pytest.raises(DocumentError) as excinfo:
        run_parser([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"],
                   "crash.pdf", "PDF parser", 60)
    assert excinfo.value.reason == "PDF parser crashed (SIGSEGV)"


def test_a_numbered_paragraph_across_a_page_break_is_one_paragraph_on_its_first_page(report) -> None:
    from qa.documents import load_document

    path, _, _ = report
    document = load_document(path)
    numbered = [p for p in document.paragraphs if p.label.isdigit()]
    second = next(p for p in numbered if p.label == "2")
    assert " ".join(document.paragraph_text(second).split()) == PARAGRAPH_2[len("2. "):]
    assert second.page == 1
    assert [p.label for p in numbered][-2:] == ["2", "3"]
    assert next(p for p in numbered if p.label == "3").page == 2
    for p in document.paragraphs:
        assert document.text[p.start : p.end] == document.paragraph_text(p)
