"""The shipped clutter rules, family by family: lines of the kind each rule is for are
excluded (or the piece is taken out of the line), and near-misses stay to be coded.

The lines are written for these tests in the shapes real news pages show (issue 16).
"""

from __future__ import annotations

import pytest

from desktop.core.corpus.clutter import classify_lines, inline_spans, load_rules

RULES = load_rules()

EXCLUDED = [
    ("read more", "Read more: Why ferry fares keep rising"),
    ("read more", "See also: The long fight over the harbour"),
    ("credit", "(Credit: Jane Roe / Example Agency)"),
    ("photo credit", "Photo credit: Example Agency"),
    (
        "newsletter prompt",
        "Get the Example Daily Edition by email every morning, for free. Free Sign Up",
    ),
    ("newsletter prompt", "Sign up to our morning briefing and get the news in your inbox"),
    ("navigation", "Subscribe now"),
    ("newsletter prompt", "Already a subscriber? Log in"),
    ("app prompt", "If you are using the app, click here."),
    ("app prompt", "Tap here to watch the video"),
    (
        "embedded post",
        "The harbour is closed again today. pic.twitter.com/Ab12Cd34 — Jane Roe (@janeroe) "
        "January 7, 2020",
    ),
    ("embedded post", "— Harbour Watch (@harbourwatch) March 3, 2021"),
    ("republication footer", "Copyright © 2024 Example Coastal Media. All rights reserved."),
    ("copyright", "Text and images © 2024 Example Coastal Media"),
    ("copyright", "Example Coastal Media Ltd. Copyright 2024. All rights reserved."),
    ("separator", "* * *"),
    ("separator", "———"),
    ("date line", "Monday, 6 January 2020"),
    ("date line", "Posted on"),
    ("date line", "Published: 12 March 2021 | Updated: 13 March 2021"),
    ("date line", "January 6, 2020 at 4:15 pm"),
    ("gallery navigation", "UK news in pictures"),
    ("gallery navigation", "Show all 50"),
    ("gallery navigation", "12 of 40"),
    ("letters prompt", "Submit a letter to the editor"),
    ("letters prompt", "Send us a letter here: letters@example.org"),
    ("menu", "Home World Business Sport Culture Opinion Travel Weather Podcasts Games"),
]

KEPT = [
    # a sentence that quotes a newsletter, a sentence that mentions a photo
    "The Times said in its newsletter that the talks had failed.",
    "Subscribers to the harbour newsletter were told to expect delays, officials said.",
    "The photo, taken by a tourist, shows the border post at dawn.",
    "A photo of the minister was shared widely on Tuesday.",
    "The lawsuit claims copyright infringement over the song.",
    "Published in 1950, the treaty still binds both countries.",
    "Send a letter to the editor, the mayor urged residents, if the plan troubles you.",
    "In a letter to the editor last week, a reader argued that the deal was weak.",
    "Critics say voters should not have to click here and there to find the ballot.",
    "Read more widely, the report says, and the picture changes.",
    "On Monday, 6 January 2020, the ministers met in Geneva.",
    "Show all the documents, the judge told the ministry.",
    "The app, if you are using it, reports delays in real time.",
    "He tweeted (@harbourwatch) that the ferries would run.",
    "North Korea Fires Missile.",
]


@pytest.mark.parametrize(("rule", "line"), EXCLUDED)
def test_clutter_lines_are_excluded_by_their_rule(rule, line):
    assert classify_lines([line], RULES)[0].rule == rule


@pytest.mark.parametrize("line", KEPT)
def test_near_misses_stay_to_be_coded(line):
    verdict = classify_lines([line], RULES)[0]
    assert not verdict.excluded, verdict.rule
    assert inline_spans(line, RULES) == []


@pytest.mark.parametrize(
    ("line", "removed", "rule"),
    [
        ("A ferry leaves the harbour at dawn. Photo: AP", " Photo: AP", "caption credit"),
        (
            "Waves break over the sea wall (Photo: Jane Roe/Example Agency)",
            " (Photo: Jane Roe/Example Agency)",
            "caption credit",
        ),
        ("London (CNN) The talks collapsed on Monday.", "London (CNN) ", "dateline"),
        ("SEOUL — North Korea fired a missile on Tuesday.", "SEOUL — ", "dateline"),
        (
            "SEOUL, South Korea (AP) — North Korea fired a missile.",
            "SEOUL, South Korea (AP) — ",
            "dateline",
        ),
    ],
)
def test_inline_clutter_is_taken_out_of_the_line(line, removed, rule):
    spans = inline_spans(line, RULES)
    assert [(line[s:e], name) for s, e, name in spans] == [(removed, rule)]


@pytest.mark.parametrize(
    "line",
    [
        "NATO allies met on Monday. They agreed on nothing.",
        "NATO — the alliance of 32 countries — met on Monday.",
        "The photo was taken by AP staff.",
        "He told CNN (CNN) nothing new.",
    ],
)
def test_inline_near_misses_are_left_whole(line):
    assert inline_spans(line, RULES) == []


def test_a_caption_credit_and_a_dateline_never_reach_the_units(empty_project, tmp_path):
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths

    article = tmp_path / "ferry.txt"
    article.write_text(
        "Ferries return\n\nLONDON — Ferry crossings resumed on Monday after the storm.\n\n"
        "A ferry leaves the harbour at dawn. Photo: Example Agency\n",
        encoding="utf-8",
    )
    summary = import_paths(empty_project, [article])
    (entry,) = store.list_articles(empty_project)
    texts = [u.text for u in store.article_units(empty_project, entry.id) if not u.excluded]
    assert texts == [
        "Ferry crossings resumed on Monday after the storm.",
        "A ferry leaves the harbour at dawn.",
    ]
    # the removed pieces stay in the article's text, for the article view to show greyed
    text = store.article_text(empty_project, entry.id)
    assert "LONDON — " in text and "Photo: Example Agency" in text
    assert summary.inline_removed == {"dateline": 1, "caption credit": 1}
