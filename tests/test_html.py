"""read_html: the visible prose of a page as blocks; page chrome and hidden text never appear."""

from __future__ import annotations

import pytest

from qa.documents.html import read_html

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <title>Head title</title>
  <style>p { color: red; } /* STYLE-TEXT */</style>
  <script>var headScript = "HEAD-SCRIPT";</script>
</head>
<body>
  <header><a href="#main">Skip to content</a> SITE-HEADER</header>
  <nav><ul><li><a href="/">Home NAV-LINK</a></li><li>About NAV-ITEM</li></ul></nav>
  <main id="main">
    <article>
      <h2>B. Supporting information</h2>
      <p>16. Data provided by the <a href="/mps">MPS</a> shows a <b>rise</b>
         in reports&nbsp;of trafficking &amp; exploitation.<sup>4</sup></p>
      <script>alert(1)</script>
      <p>17.   The unit
         works with:</p>
      <ul>
        <li>the <em>UK Border Agency</em>;</li>
        <li>local authorities, including
          <ul><li>Westminster;</li><li>Camden.</li></ul>
        </li>
        <li>charities.</li>
      </ul>
      <h2>C. Race and equality impact</h2>
      Text directly in the article.
      <div>Text in a div <span>with a span</span>.</div>
      <p hidden>HIDDEN-ATTRIBUTE</p>
      <div aria-hidden="true">ARIA-HIDDEN</div>
      <noscript>NOSCRIPT-TEXT</noscript>
      <template><p>TEMPLATE-TEXT</p></template>
      <form><label>FORM-LABEL</label><button>BUTTON-TEXT</button>
        <select><option>OPTION-TEXT</option></select></form>
      <aside>ASIDE-TEXT</aside>
      <iframe src="x">IFRAME-TEXT</iframe>
      <svg><text>SVG-TEXT</text></svg>
      <table><tr><th>Year</th><td>2010 &lt;provisional&gt;</td></tr></table>
    </article>
  </main>
  <footer>Send an e-mail linking to this page FOOTER-TEXT</footer>
</body>
</html>
"""

EXPECTED = [
    ("heading", "B. Supporting information"),
    ("line", "16. Data provided by the MPS shows a rise in reports of trafficking & exploitation.4"),
    ("line", "17. The unit works with:"),
    ("bullet", "the UK Border Agency;"),
    ("bullet", "local authorities, including"),
    ("bullet", "Westminster;"),
    ("bullet", "Camden."),
    ("bullet", "charities."),
    ("heading", "C. Race and equality impact"),
    ("line", "Text directly in the article."),
    ("line", "Text in a div with a span."),
    ("line", "Year"),
    ("line", "2010 <provisional>"),
]

DROPPED = [
    "Head title", "STYLE-TEXT", "HEAD-SCRIPT", "Skip to content", "SITE-HEADER", "NAV-LINK", "NAV-ITEM",
    "alert", "HIDDEN-ATTRIBUTE", "ARIA-HIDDEN", "NOSCRIPT-TEXT", "TEMPLATE-TEXT", "FORM-LABEL",
    "BUTTON-TEXT", "OPTION-TEXT", "ASIDE-TEXT", "IFRAME-TEXT", "SVG-TEXT", "Send an e-mail", "FOOTER-TEXT",
]  # fmt: skip


@pytest.fixture(scope="module")
def page() -> tuple[str, list]:
    return read_html(PAGE)


def test_block_elements_become_blocks_of_the_right_kind(page) -> None:
    text, blocks = page
    assert [(b.kind, text[b.start : b.end]) for b in blocks] == EXPECTED


def test_canonical_text_is_the_blocks_joined_by_blank_lines(page) -> None:
    text, blocks = page
    assert text == "\n\n".join(t for _, t in EXPECTED)
    for block in blocks:
        span = text[block.start : block.end]
        assert span and span == span.strip() and "\n" not in span
        assert block.page is None


@pytest.mark.parametrize("marker", DROPPED)
def test_text_of_dropped_elements_appears_nowhere(page, marker: str) -> None:
    text, _ = page
    assert marker not in text


def test_nested_lists_do_not_repeat_text(page) -> None:
    text, _ = page
    for item in ["Westminster;", "Camden.", "charities.", "the UK Border Agency;"]:
        assert text.count(item) == 1


def test_entities_are_decoded_and_white_space_collapsed(page) -> None:
    text, _ = page
    assert "&amp;" not in text and "&nbsp;" not in text and "&lt;" not in text
    assert "\xa0" not in text and "  " not in text
    assert "trafficking & exploitation" in text


def test_inline_elements_do_not_add_spaces() -> None:
    text, _ = read_html("<p>Footnote<sup>4</sup> and <b>bold</b>ed</p>")
    assert text == "Footnote4 and bolded"


def test_line_break_separates_words() -> None:
    text, blocks = read_html("<p>Metropolitan Police Authority<br>10 Dean Farrar Street</p>")
    assert text == "Metropolitan Police Authority 10 Dean Farrar Street" and len(blocks) == 1


def test_text_after_a_nested_block_is_a_block_of_its_own() -> None:
    text, blocks = read_html("<li>before<ul><li>inner</li></ul>after</li>")
    assert [(b.kind, text[b.start : b.end]) for b in blocks] == [
        ("bullet", "before"),
        ("bullet", "inner"),
        ("bullet", "after"),
    ]


def test_paragraph_inside_a_list_item_stays_a_bullet() -> None:
    text, blocks = read_html("<ul><li><p>Item in a paragraph</p></li></ul><p>After the list</p>")
    assert [(b.kind, text[b.start : b.end]) for b in blocks] == [
        ("bullet", "Item in a paragraph"),
        ("line", "After the list"),
    ]


def test_page_without_visible_text_is_empty() -> None:
    assert read_html("") == ("", [])
    assert read_html("<nav>Menu</nav><p> &nbsp; </p><script>x()</script>") == ("", [])


def test_hidden_ancestor_hides_everything_below_it() -> None:
    text, _ = read_html('<div hidden><p>one</p><ul><li>two</li></ul></div><p style="display:none">three</p>')
    assert text == ""


def test_deeply_nested_markup_does_not_overflow_the_stack() -> None:
    depth = 5_000  # beyond Python's recursion limit; the walk is iterative
    text, blocks = read_html("<div>" * depth + "deep" + "</div>" * depth)
    assert text == "deep" and len(blocks) == 1
