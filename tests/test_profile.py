"""Archive profiles: loading and validating `profile.toml`, the neutral default, header blocks,
dropped lines recorded, and an index that follows its corpus's profile."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BLOG, CORPUS, REPORT_2009, REPORT_DEC_2010, REPORT_JAN_2010
from fixtures_archive import (
    CountingEncoder,
    built_index,  # noqa: F401  (fixture)
    copy_corpus,
    copy_index,
    encoder,  # noqa: F401  (fixture)
)
from qa.chunking import paragraph_contexts, split_sentences
from qa.cli import main
from qa.documents import load_document
from qa.errors import ProfileError
from qa.indexer import refresh_index
from qa.lexical import tokenize
from qa.profile import PROFILE_NAME, Profile, load_profile
from qa.store import open_index

ARCHIVE_PROFILE = (CORPUS / PROFILE_NAME).read_text(encoding="utf-8")


def write_profile(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PROFILE_NAME).write_text(text, encoding="utf-8")
    return folder


# --- loading and validation ------------------------------------------------------------------


def test_a_corpus_without_a_profile_gets_the_neutral_default(tmp_path):
    profile = load_profile(tmp_path)
    assert profile == Profile.default()
    assert profile.furniture.lines == profile.furniture.header == profile.furniture.end_of_content == ()
    assert profile.furniture.lead_ins == () and profile.comments.author_line is None
    assert profile.vocabulary.titles == ("Mr", "Mrs", "Ms", "Dr", "Prof")
    assert profile.vocabulary.place_nouns == ("country", "city", "town", "region")
    assert profile.vocabulary.variants == ()


def test_the_archive_profile_loads_with_its_rules():
    profile = load_profile(CORPUS)
    assert profile.source.endswith(PROFILE_NAME)
    assert profile.footnotes.line.fullmatch("18. Ibid. [Back]").group(1, 2) == ("18", "Ibid.")
    assert profile.footnotes.marker.search("under Operation Caiman [21].").group(1) == "21"
    assert profile.comments.author_line.fullmatch("1. Ross permalink").group(2) == "Ross"
    assert "Assembly Member" in profile.vocabulary.titles and "Operation" in profile.vocabulary.name_prefixes
    assert "the unit" in profile.vocabulary.referring_nouns and "borough" in profile.vocabulary.place_nouns


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('[furniture]\nlines = ["Contents", "Skip", "ok", "(unclosed"]\n', "furniture.lines[3]", "does not compile"),
        ('[furniture]\nline = ["Contents"]\n', "furniture.line:", "unknown key"),
        ("[furnishings]\nlines = []\n", "furnishings:", "unknown section"),
        ('furniture = "Contents"\n', "furniture:", "must be a table"),
        ('[furniture]\nlines = "Contents"\n', "furniture.lines:", "must be a list"),
        ("[furniture]\nheader = [3]\n", "furniture.header[0]", "must be a string"),
        ('[furniture]\nlines = [""]\n', "furniture.lines[0]", "empty"),
        ("[footnotes]\nmarker = 4\n", "footnotes.marker:", "must be a string"),
        ("[footnotes]\nline = '(\\d+)\\. .*'\n", "footnotes.line:", "needs 2 group"),
        ("[comments]\nauthor_line = '(\\d+)\\. (.*) said'\nauthor = 'x'\n", "comments.author:", "unknown key"),
        ('[vocabulary]\ntitles = ["Mr", 3]\n', "vocabulary.titles[1]", "non-empty string"),
        ("[vocabulary]\nvariants = [{pattern = '(a)', replacement = '\\2'}]\n", "vocabulary.variants[0].replacement",
         "does not fit"),
        ("[vocabulary]\nvariants = [{pattern = 'a', replace = 'b'}]\n", "vocabulary.variants[0].replace:", "unknown key"),
        ("[vocabulary]\nvariants = ['a']\n", "vocabulary.variants[0]:", "must be a table"),
        ("[furniture\nlines = []\n", "", "not valid TOML"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_file_and_the_key(tmp_path, toml, key, problem):
    write_profile(tmp_path, toml)
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / PROFILE_NAME) + ": ")
    assert key in message and problem in message, message


def test_a_bad_profile_stops_qa_documents_with_one_line(tmp_path):
    corpus = write_profile(tmp_path / "corpus", '[furniture]\nlines = ["(unclosed"]\n')
    (corpus / "note.txt").write_text("A note of one paragraph.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["documents", "--corpus", str(corpus)])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "furniture.lines[0]" in result.stderr


def test_the_profile_is_not_read_as_a_document(corpus_load):
    assert not corpus_load.errors
    assert PROFILE_NAME not in {d.path for d in corpus_load.documents}


def test_fingerprint_follows_content_not_comments_or_layout(tmp_path):
    archive = load_profile(CORPUS)
    relaid = load_profile(write_profile(tmp_path / "a", "# a comment\n\n" + ARCHIVE_PROFILE.replace(" = ", "   =   ")))
    changed = load_profile(write_profile(tmp_path / "b", ARCHIVE_PROFILE.replace("'(?i)Contents',", "'(?i)Index',")))
    assert re.fullmatch(r"[0-9a-f]{64}", archive.fingerprint)
    assert relaid.fingerprint == archive.fingerprint
    assert changed.fingerprint != archive.fingerprint
    assert Profile.default().fingerprint not in {archive.fingerprint, changed.fingerprint}


def test_spelling_variants_make_one_token_of_both_spellings():
    variants = load_profile(CORPUS).vocabulary.variants
    spaced, joined = tokenize(["progress made by SCD 9", "progress made by SCD9"], variants)
    assert spaced == joined and "scd9" in joined
    assert tokenize(["progress made by SCD 9"])[0] != joined  # the default has no variants


# --- header blocks and dropped lines ---------------------------------------------------------

# A made-up document: a metadata block, then body lines that happen to begin "Date:" and "By:".
MADE_UP = """Quarterly report of the Harbour Trust
Date: 3 May 2021
By: The Treasurer

The trust's income rose by four per cent in the quarter.
Date: the annual meeting moved to 12 June, at the members' request.
By: 2021 the harbour wall repairs had used the whole contingency fund.
"""
BODY_LINES = ["Date: the annual meeting moved to 12 June, at the members' request.",
              "By: 2021 the harbour wall repairs had used the whole contingency fund."]


def made_up(folder: Path, profile: str | None) -> Path:
    folder.mkdir(parents=True)
    if profile is not None:
        write_profile(folder, profile)
    path = folder / "2021-05-03-harbour-trust.txt"
    path.write_text(MADE_UP, encoding="utf-8")
    return path


def test_the_default_profile_keeps_body_lines_that_begin_date_or_by(tmp_path):
    document = load_document(made_up(tmp_path / "corpus", None))
    texts = [document.paragraph_text(p) for p in document.paragraphs]
    assert all(line in texts for line in BODY_LINES)
    assert "Date: 3 May 2021" in texts and "By: The Treasurer" in texts  # the default drops nothing that is text
    assert document.dropped == ()


def test_the_archive_profile_drops_a_header_block_but_keeps_the_same_words_in_the_body(tmp_path):
    document = load_document(made_up(tmp_path / "corpus", ARCHIVE_PROFILE))
    texts = [document.paragraph_text(p) for p in document.paragraphs]
    assert all(line in texts for line in BODY_LINES)
    assert [(document.text[d.start : d.end], d.rule) for d in document.dropped] == [
        ("Date: 3 May 2021", "furniture.header[1]"),
        ("By: The Treasurer", "furniture.header[2]"),
    ]


@pytest.mark.parametrize(("doc_id", "block"), [
    (REPORT_2009, ["Report: 9", "Date: 16 July 2009", "By: Chief Executive"]),
    (REPORT_JAN_2010, ["Report: 7", "Date: 28 January 2010", "By: AC Specialist Crime Directorate on behalf of the Commissioner"]),
    (REPORT_DEC_2010, ["Report: 9", "Date: 9 December 2010",
                       "By: Assistant Commissioner Specialist Crime on behalf of the Commissioner"]),
])
def test_the_archive_reports_header_block_is_dropped_and_recorded(documents, doc_id, block):
    document = documents[doc_id]
    header = [(document.text[d.start : d.end], d.rule) for d in document.dropped if d.rule.startswith("furniture.header")]
    assert header == list(zip(block, ["furniture.header[0]", "furniture.header[1]", "furniture.header[2]"]))
    assert not any(document.paragraph_text(p).startswith(("Report:", "Date:", "By:")) for p in document.paragraphs)


def test_every_dropped_span_is_whole_lines_outside_every_paragraph(documents):
    for document in documents.values():
        for d in document.dropped:
            assert d.start < d.end and document.text[d.start : d.end].strip() == document.text[d.start : d.end]
            assert d.start == 0 or document.text[d.start - 1] == "\n", (document.doc_id, d)
            assert re.fullmatch(r"furniture\.(lines|header|end_of_content|lead_ins)\[\d+\]", d.rule)
            assert not any(p.start < d.end and d.start < p.end for p in document.paragraphs), (document.doc_id, d)


def test_the_blogs_reply_form_is_dropped_from_its_first_line_to_the_end(documents):
    blog = documents[BLOG]
    last = blog.dropped[-1]
    assert last.rule == "furniture.end_of_content[0]"
    assert blog.text[last.start :].startswith("Trackbacks & Pingbacks")
    assert blog.text[last.end :].strip() == ""


def test_qa_show_lists_the_dropped_lines_and_qa_documents_counts_them():
    shown = CliRunner().invoke(main, ["show", REPORT_DEC_2010, "--corpus", str(CORPUS)])
    assert shown.exit_code == 0, shown.output
    assert "dropped by" in shown.stdout
    assert re.search(r"furniture\.header\[1\]\s+Date: 9 December 2010", shown.stdout)
    listed = CliRunner().invoke(main, ["documents", "--corpus", str(CORPUS)])
    row = next(r for r in listed.stdout.splitlines() if r.startswith(REPORT_DEC_2010))
    assert re.search(r"\b13 dropped\b", row), row


# --- footnotes in the default (Markdown) style --------------------------------------------------

GUIDE = """# Cleaning guide

Wipe the counters with a damp cloth before the food arrives.[^1] Rinse the cloth afterwards.

Store the bleach on the top shelf, away from the food.[^2]

[^1]: A cloth used on raw meat goes to the laundry, not back to the counter.
[^2]: Bleach decanted into a food bottle caused the 2019 incident.
"""


def test_the_default_profile_reads_markdown_footnotes_and_their_markers(tmp_path):
    (tmp_path / "guide.md").write_text(GUIDE, encoding="utf-8")
    document = load_document(tmp_path / "guide.md")
    footnotes = [(p.anchor, p.label, p.reference, document.paragraph_text(p)) for p in document.paragraphs
                 if p.section == "Footnotes"]
    assert footnotes == [
        ("fn1", "fn 1", "footnote 1", "A cloth used on raw meat goes to the laundry, not back to the counter."),
        ("fn2", "fn 2", "footnote 2", "Bleach decanted into a food bottle caused the 2019 incident."),
    ]
    first = document.paragraphs[0]
    assert [document.text[s:e] for s, e in split_sentences(document.text, first.start, first.end)] == [
        "Wipe the counters with a damp cloth before the food arrives.[^1]", "Rinse the cloth afterwards."]
    contexts = paragraph_contexts(document, Profile.default().footnotes.marker)
    assert contexts["fn2"] == "top shelf, away from the food."


# --- the index follows the profile -------------------------------------------------------------


def test_the_index_records_the_profile_and_the_dropped_lines(built_index, encoder, corpus_load):
    stored = open_index(built_index.path, encoder.name)
    assert stored.manifest["profile"] == load_profile(CORPUS).fingerprint
    assert {d.doc_id: d.dropped for d in stored.documents} == {d.doc_id: d.dropped for d in corpus_load.documents}


def test_a_changed_profile_reparses_every_document_with_embeddings_from_the_cache(tmp_path, built_index, encoder):
    corpus = copy_corpus(tmp_path / "corpus")
    index = copy_index(built_index, tmp_path / "index")
    # A rule that matches nothing here: the parse is the same, the profile is not.
    write_profile(corpus, ARCHIVE_PROFILE.replace("'(?i)Contents',", "'(?i)Contents',\n    'Print this page',"))
    counting = CountingEncoder(encoder)
    refresh = refresh_index(corpus, index, counting)
    assert refresh.rebuilt and "profile" in refresh.reason
    assert len(refresh.load.parsed) == 5  # none taken from the index built under the old profile
    assert counting.count == 0  # same texts: their embeddings come from the cache
    assert refresh.profile == load_profile(corpus)
    assert refresh.stored.manifest["profile"] == refresh.profile.fingerprint != load_profile(CORPUS).fingerprint
    again = refresh_index(corpus, index, counting)
    assert not again.rebuilt and again.reason == "up to date"


def test_a_profile_that_drops_a_line_removes_it_from_the_index_and_records_it(tmp_path, built_index, encoder):
    corpus = copy_corpus(tmp_path / "corpus")
    index = copy_index(built_index, tmp_path / "index")
    line = "Sanction detections"  # a heading of the December 2010 report, made furniture here
    assert line in (corpus / f"{REPORT_DEC_2010}.txt").read_text(encoding="utf-8")
    write_profile(corpus, ARCHIVE_PROFILE.replace("'(?i)Contents',", f"'(?i)Contents',\n    '{line}',"))
    refresh = refresh_index(corpus, index, CountingEncoder(encoder))
    stored = {d.doc_id: d for d in refresh.stored.documents}[REPORT_DEC_2010]
    assert [stored.text[d.start : d.end] for d in stored.dropped if d.rule == "furniture.lines[2]"] == [line]
    assert not any(line in p.section for p in stored.paragraphs)
    manifest = json.loads((refresh.stored.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == load_profile(corpus).fingerprint
