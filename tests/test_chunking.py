"""Sentences, passages and embedding text, specified on the archive's own words.

The texts are the corpus files (byte-identical copies of the archive); each is found by a
phrase it contains, so renaming a file does not break a test.
"""

from __future__ import annotations

import dataclasses
import random
from functools import cache
from pathlib import Path

import pytest

from qa.chunking import embedding_text, passage_spans, passages, sentences, split_sentences
from qa.types import Document, Paragraph, Span

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@cache
def archive_files() -> dict[str, str]:
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}
    assert len(files) == 5, f"expected the five archive files in {CORPUS}"
    return files


def archive_text(phrase: str) -> str:
    """The archive file that contains `phrase`."""
    [text] = [t for t in archive_files().values() if phrase in t]
    return text


def line_span(text: str, phrase: str) -> tuple[int, int]:
    """The offsets of the whole line of `text` that contains `phrase`."""
    at = text.index(phrase)
    return text.rfind("\n", 0, at) + 1, text.index("\n", at)


def sentences_of_line(phrase: str) -> list[str]:
    text = archive_text(phrase)
    return [text[s:e] for s, e in split_sentences(text, *line_span(text, phrase))]


def sentence_with(phrase: str, text: str | None = None, span: tuple[int, int] | None = None) -> str:
    """The one sentence, of the line holding `phrase` (or of `span`), that contains it."""
    text = text or archive_text(phrase)
    found = [text[s:e] for s, e in split_sentences(text, *(span or line_span(text, phrase)))]
    [sentence] = [s for s in found if phrase in s]
    return sentence


# --- what a sentence is -----------------------------------------------------------------


def test_rank_before_a_name_does_not_end_the_sentence():
    assert sentence_with("Cmdr O’Brien") == (
        "24. Members will be aware that Cmdr O’Brien is leading a MPS-wide review of immigration"
        " services which will include Operation Maxim, and that future funding for the HTT is"
        " currently unstable\u00a0[19] , despite being considered the most effective UK unit dealing"
        " with trafficking by the UK Human Trafficking Centre\u00a0[20]."
    )


def test_footnote_naming_dcs_richard_martin_is_one_sentence_with_its_back_link():
    assert sentences_of_line("Information from DCS Richard Martin") == [
        "10. Information from DCS Richard Martin, CO14. [Back]"
    ]
    assert sentences_of_line("Report author: DCS Richard Martin") == [
        "Report author: DCS Richard Martin, OCU Commander, SCD 9, MPS"
    ]


@pytest.mark.parametrize(
    "figure, sentence_start",
    [
        ("£1/2m per year", "The business had been paying business rates"),
        ("£1/2m in tax", "I really do feel that in 2012"),
        ("from £1.8m to the 2009/10 level of £435k", "Funding from the Home Office has reduced"),
        ("3.5 kg of cocaine", "On joining SCD, the command demonstrated"),
        ("a 358% per-cent increase", "In the same period this year"),
        ("1.6 million euros", "Operation Swale is fully funded by the UKBA"),
        ("in 2008/9 dealt with", "22. The MPS Human Trafficking Team"),
        ("from 01.04.2010 inviting", "15. It is suggested that the proposed structure"),
        ("over £2.75 million", "Swale officers have also forfeited"),
        ("(i) critical thought and (ii) intelligent engagement", "2. Great to see at least one politician"),
        ("St Pancras", "If capacity could be increased"),
        ("Mr Boff after", "I post below a copy of a letter"),
    ],
)
def test_money_figures_and_names_stay_inside_one_sentence(figure, sentence_start):
    sentence = sentence_with(figure)
    assert sentence.startswith(sentence_start)
    assert sentence[-1] in ".:"


def test_footnote_markers_stay_with_their_sentence():
    assert sentence_with("Greece made no effort") == (
        "Greece made no effort to control or manage trafficking\u00a0[5]."
    )
    assert sentence_with("spectacular increase").endswith("demand for sexual services”\u00a0[4].")
    marked = sentence_with("violence against women\u00a0[1] (particularly")
    assert marked.startswith("The paper should provide")
    assert sentence_with("Stop the Traffik\u00a0[14]’ involved").startswith("A recent initiative")
    assert sentences_of_line("18. Ibid.") == ["18. Ibid. [Back]"]


def test_closing_quote_after_the_full_stop_belongs_to_the_sentence():
    assert sentences_of_line("“The inclusion of sex workers") == [
        "“There needs to be a joint strategy and effective partnerships between police work,"
        " sex work projects and sex workers,” it says.",
        "“The inclusion of sex workers should be seen as an integral part of any police"
        " force’s sex work strategy.”",
    ]


def test_numbered_label_does_not_end_a_sentence():
    first = sentences_of_line("1. invite the MPS")
    assert first[0] == (
        "1. invite the MPS to provide a paper to the MPA Communities Equalities and People"
        " Committee in November 2009."
    )
    first = sentences_of_line("1. The responsibility of the Metropolitan")[0]
    assert first.startswith("1. The responsibility of the Metropolitan Police Service")
    assert sentences_of_line("A. Recommendation\nThat the MPA") == ["A. Recommendation"]


def test_lower_case_after_a_full_stop_usually_continues_the_sentence():
    continued = sentence_with("etc. not to mention")
    assert continued.endswith("searching each person etc. not to mention 5 cells being full for 20 hours.")
    # … but "etc." before a capital, and a stop after an ordinary word, end one.
    assert sentence_with("nobody was uncooperative").endswith("with any officers etc.")
    assert sentence_with("my bank accounts").startswith("my bank accounts and my business accounts")


def test_question_and_exclamation_marks_end_sentences_unless_lower_case_follows():
    assert sentences_of_line("NONE.")[-3:] == [
        sentence_with("They needed to take a separate police prisoner van"),
        "And how many trafficked women did they find?",
        "NONE.",
    ]
    assert sentences_of_line("Great to see at least one politician")[-1] == (
        "Also, your blog is excellent and useful!"
    )
    assert "weekend shift? as I’m sure" in sentence_with("weekend shift?")


def test_ellipsis_opening_a_quotation_does_not_end_anything():
    assert sentence_with("“… it is imperative") == (
        "“… it is imperative that they do not have an enforcement role in this specific area.”"
    )


def test_footnote_glued_to_another_starts_a_sentence_at_its_bracket():
    assert sentence_with("(6i) which").startswith("(6i) which is available to all agencies")


def test_bullets_of_a_paragraph_become_separate_sentences():
    text = archive_text("The recommendations made to the Board were:")
    start = text.index("9. As previously reported")
    end = text.index("\n10 Management Board")
    found = [text[s:e] for s, e in split_sentences(text, start, end)]
    assert found[-5:] == [
        "The review made a number of recommendations to MPS Management Board on 8 December 2009"
        " with further deliberation regarding options on 11 December 2009 following a further"
        " short consultation period with key stakeholders The recommendations made to the Board were:",
        "- That responsibility for investigating organized human trafficking of adults for sexual"
        " and labour exploitation should move to CO14 Clubs and Vice.",
        "- That the Clubs and Vice Unit as an OCU should move to SCD.",
        "- That there should be a single ACPO lead for immigration and human trafficking crime and"
        " that this should rest with SCD.",
        "- That a transition oversight group should be created to oversee these changes.",
    ]


def test_bullet_lines_without_final_punctuation_end_at_the_line_break():
    text = archive_text("The main Clubs and Vice Unit budget")
    start = text.index("2. The two cost centres")
    end = text.index("\nE. Legal implications")
    assert [text[s:e] for s, e in split_sentences(text, start, end)][-3:] == [
        "- The main Clubs and Vice Unit budget of £6,226k",
        "- The externally funded Migration Impact Unit budget of £350k",
        "3. The transition oversight group will manage the transfer of these resources from CO to SCD.",
    ]
    start, end = text.index("- HTT"), text.index("\nC. Race and equality impact")
    abbreviations = [text[s:e] for s, e in split_sentences(text, start, end)]
    assert len(abbreviations) == 20 and abbreviations[:2] == ["- HTT", "- Human Trafficking Team"]


def test_bullets_separated_by_blank_lines_are_sentences_too():
    text = archive_text("Casino fraud and money laundering.")
    start = text.index("1. SCD 9 comprises")
    end = text.index("Casino fraud and money laundering.") + len("Casino fraud and money laundering.")
    found = [text[s:e] for s, e in split_sentences(text, start, end)]
    assert len(found) == 2 + 7
    assert found[2].startswith("• Trafficking for Sexual Exploitation") and found[2].endswith("(OCN)")
    assert found[-1] == "• Casino fraud and money laundering."


@pytest.mark.parametrize(
    "sentence",
    [
        "Information from Dr. Gerry Campbell, CSU Delivery Team.",
        "Agencies, e.g. Eaves, i.e. the Poppy Project, support victims vs. prosecute offenders.",
        "Officers recovered approx. 3.5 kg of cocaine, etc. and the case went to court.",
        "Information from J. Smith of the U.K. Human Trafficking Centre.",
        "This is set out in No. 9 of the papers.",
    ],
)
def test_abbreviations_the_archive_may_grow_do_not_split(sentence):
    # The archive writes "Cmdr", "Mr", "St" without stops; these are its sentences in the
    # forms other sources use, each followed by a real archive sentence.
    text = f"{sentence} Greece made no effort to control or manage trafficking\u00a0[5]."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        sentence,
        "Greece made no effort to control or manage trafficking\u00a0[5].",
    ]


# --- offsets -------------------------------------------------------------------------------


def assert_partition(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Non-empty, stripped, in order, non-overlapping, covering every non-space character."""
    previous = start
    for s, e in spans:
        assert previous <= s < e <= end
        assert text[s:e] == text[s:e].strip()
        assert not text[previous:s].strip(), f"uncovered text {text[previous:s]!r}"
        previous = e
    assert not text[previous:end].strip()


@pytest.mark.parametrize("name", sorted(archive_files()))
def test_every_line_and_every_file_is_partitioned_into_sentences(name):
    text = archive_files()[name]
    position = 0
    for line in text.split("\n"):
        end = position + len(line)
        assert_partition(text, position, end, split_sentences(text, position, end))
        position += len(line) + 1
    assert_partition(text, 0, len(text), split_sentences(text))


def test_any_span_of_the_archive_splits_into_stripped_sentences():
    rng = random.Random(20100128)
    texts = list(archive_files().values())
    for _ in range(500):
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        end = rng.randrange(start, min(len(text), start + 3000) + 1)
        spans = split_sentences(text, start, end)
        assert all(text[s:e] == text[s:e].strip() != "" for s, e in spans)
        assert_partition(text, start, end, spans)


def test_a_span_outside_the_text_is_refused():
    with pytest.raises(ValueError, match="outside"):
        split_sentences("Report: 9", 3, 40)


# --- passages ------------------------------------------------------------------------------


def long_paragraph() -> str:
    """Real archive sentences run together into one paragraph of several thousand characters."""
    text = archive_text("Since its inception, the command")
    found = []
    for phrase in ("14. Since its inception", "45. To inform all MPS staff", "47. Training and raising"):
        found += [text[s:e] for s, e in split_sentences(text, *line_span(text, phrase))]
    return " ".join(found)


def sentence_index(text: str) -> tuple[dict[int, int], dict[int, int]]:
    spans = split_sentences(text)
    return {s: i for i, (s, _) in enumerate(spans)}, {e: i for i, (_, e) in enumerate(spans)}


def test_short_paragraph_is_one_passage():
    text = archive_text("Greece made no effort")
    start, end = line_span(text, "Greece made no effort")
    assert passage_spans(text, start, end) == [(start, end)]


@pytest.mark.parametrize("max_chars", [400, 700, 1200])
def test_long_paragraph_windows_fit_overlap_by_one_sentence_and_cover_it(max_chars):
    text = long_paragraph()
    assert len(text) > 3 * max_chars
    firsts, lasts = sentence_index(text)
    windows = passage_spans(text, 0, len(text), max_chars=max_chars)
    assert len(windows) > 1
    assert windows[0][0] == 0 and windows[-1][1] == len(text)
    spans = split_sentences(text)
    shared = [lasts[e1] - firsts[s2] + 1 for (_, e1), (s2, _) in zip(windows, windows[1:])]
    assert shared.count(1) >= len(shared) - 1
    for (s1, e1), (s2, e2), count in zip(windows, windows[1:], shared):
        assert s1 < s2 and e1 < e2
        # One sentence is shared, unless it and the next would not fit in one window together.
        assert count == 1 or (count == 0 and spans[firsts[s2]][1] - spans[lasts[e1]][0] > max_chars)
    for s, e in windows:
        assert s in firsts and e in lasts, "windows are cut at sentence boundaries"
        assert e - s <= max_chars or firsts[s] == lasts[e]


def test_sentence_longer_than_the_window_gets_a_window_of_its_own():
    text = long_paragraph()
    firsts, lasts = sentence_index(text)
    windows = passage_spans(text, 0, len(text), max_chars=150)
    assert [firsts[s] for s, _ in windows] == sorted({firsts[s] for s, _ in windows})
    assert any(e - s > 150 and firsts[s] == lasts[e] for s, e in windows)
    assert {i for s, e in windows for i in range(firsts[s], lasts[e] + 1)} == set(range(len(firsts)))


@pytest.mark.parametrize("overlap", [0, 2])
def test_overlap_is_a_number_of_sentences(overlap):
    text = long_paragraph()
    firsts, lasts = sentence_index(text)
    windows = passage_spans(text, 0, len(text), max_chars=800, overlap_sentences=overlap)
    for (_, e1), (s2, _) in zip(windows, windows[1:]):
        assert lasts[e1] - firsts[s2] + 1 == overlap


DATA_SECTION = "B. Supporting information › Data of cases SCD9 have investigated"


def make_document() -> tuple[Document, dict[str, Paragraph]]:
    """The SCD9 report with three of its real paragraphs (and a blank one) as Paragraphs."""
    text = archive_text("Since its inception, the command")
    section = "B. Supporting information › Overview of the changes and developments in policy and practice"

    def paragraph(anchor: str, label: str, phrase: str, section: str = section) -> Paragraph:
        start, end = line_span(text, phrase)
        start = text.index(" ", start) + 1  # after the printed number, as the parser does
        return Paragraph(anchor, label, section, start, end, f"para {label}")

    paras = {
        "B14": paragraph("B14", "14", "14. Since its inception"),
        "B15": paragraph("B15", "15", "15. As part of the ongoing"),
        "B16": paragraph("B16", "16", "16. Data provided", DATA_SECTION),
    }
    blank = text.index("\n\n", paras["B14"].end)
    ordered = (paras["B14"], Paragraph("p0", "¶0", "", blank, blank + 2, "¶0"), paras["B15"], paras["B16"])
    document = Document(
        doc_id="2010-12-09-scd9-first-six-months",
        path="corpus/2010-12-09-scd9-first-six-months.txt",
        title="SCD9 performance and practice in the first six months",
        date="2010-12-09",
        origin="MPA",
        source="MPA Report 9, 9 December 2010",
        text=text,
        sha256="",
        paragraphs=ordered,
    )
    return document, paras


def test_passages_follow_paragraphs_and_split_only_the_long_one():
    document, paras = make_document()
    found = passages(document)
    assert [p.anchor for p in found] == ["B14", "B14", "B15", "B16"]
    assert all(isinstance(p, Span) and p.doc_id == document.doc_id for p in found)
    assert found[0].start == paras["B14"].start and found[1].end == paras["B14"].end
    assert found[0].end > found[1].start, "the two windows of B14 overlap"
    assert (found[2].start, found[2].end) == (paras["B15"].start, paras["B15"].end)
    assert all(p.end - p.start <= 1200 for p in found)


def test_sentences_carry_their_paragraph_anchor_and_absolute_offsets():
    document, paras = make_document()
    found = sentences(document)
    assert all(isinstance(s, Span) for s in found)
    assert {s.anchor for s in found} == {"B14", "B15", "B16"}
    for s in found:
        paragraph = paras[s.anchor]
        assert paragraph.start <= s.start < s.end <= paragraph.end
    b16 = [document.text[s.start : s.end] for s in found if s.anchor == "B16"]
    assert b16[2:4] == [
        "In the same period this year, since the creation of SCD 9, a total of 43 offences have"
        " been recorded; a 358% per-cent increase on the previous year.",
        "34 of these crimes remain live investigations.",
    ]


def test_embedding_text_is_a_context_header_then_the_verbatim_passage():
    document, paras = make_document()
    b16 = paras["B16"]
    embedded = embedding_text(document, b16, b16.start, b16.end)
    header, body = embedded.split("\n", 1)
    assert header == f"SCD9 performance and practice in the first six months | {DATA_SECTION}"
    assert body == document.text[b16.start : b16.end]


def test_embedding_header_keeps_a_catalog_title_shortens_a_longer_one_and_skips_an_empty_section():
    document, _ = make_document()
    title = (
        "Executive summary of a 2012 London Assembly report on the policing of sex work"
        " and sex trafficking in London"
    )
    blank = document.paragraphs[1]
    header = embedding_text(dataclasses.replace(document, title=title), blank, 0, 9).split("\n", 1)[0]
    assert header == title
    longer = f"{title}, written by Assembly Member Andrew Boff at the Mayor's request"
    header = embedding_text(dataclasses.replace(document, title=longer), blank, 0, 9).split("\n", 1)[0]
    assert header.endswith(" …") and len(header) <= 122 and longer.startswith(header[:-2])


def test_a_footnote_is_embedded_with_the_words_its_marker_follows():
    from pathlib import Path

    from qa.chunking import embedding_text, paragraph_contexts
    from qa.documents import load_document
    from qa.profile import load_profile

    corpus = Path(__file__).resolve().parent.parent / "corpus"
    document = load_document(corpus / "2010-12-09-scd9-first-six-months.txt")
    contexts = paragraph_contexts(document, load_profile(corpus).footnotes.marker)
    fn21 = document.paragraph("fn21")
    assert contexts["fn21"] == "from the AEIU under Operation Caiman"
    assert "Operation Caiman" in embedding_text(document, fn21, fn21.start, fn21.end, contexts["fn21"]).splitlines()[0]
    assert "B16" not in contexts
    # Every footnote the body marks has its phrase; none is empty.
    assert {a for a in contexts if a.startswith("fn")} == {f"fn{n}" for n in range(1, 24)}
    assert all(contexts.values())


def test_a_paragraph_completing_a_lead_in_is_embedded_with_it():
    from pathlib import Path

    from qa.chunking import embedding_text, paragraph_contexts
    from qa.documents import load_document

    document = load_document(Path(__file__).resolve().parent.parent / "corpus" / "2012-03-20-blog-boff-report.txt")
    contexts = paragraph_contexts(document)
    said, words = document.paragraph("p5"), document.paragraph("p6")
    assert document.paragraph_text(said).endswith("said:")
    assert contexts["p6"].startswith("Commenting in the Guardian, Georgina Perry")
    assert "Georgina Perry" in embedding_text(document, words, words.start, words.end, contexts["p6"]).splitlines()[0]
    # Only the paragraph right after the lead-in, and never the lead-in itself.
    assert "p5" not in contexts and "p7" not in contexts
