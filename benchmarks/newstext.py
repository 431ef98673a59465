"""News-like English articles for the synthetic project, deterministic from a seed.

Sentences come from templates about Korea, the alliance and China, filled from word
lists. They carry what makes segmentation real work: "U.S." and "D.C." inside and at
the end of sentences, titles ("Lt. Gen.", "Dr."), names with initials ("Mary K.
Lindqvist", "H.R. Bell"), dates ("Jan. 5"), quotations, parentheses and figures ("$4.5
billion", "3.2 percent"). Each article is a headline, a blank line, then paragraphs
(one per line, blank lines between) and a few lines of web clutter that the project's
clutter rules exclude (photo credits, tag lists, an author box, a republication
footer, an inline ad token).

Nothing here imports the application: the text is what a lab would have on disk.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FIRST = (
    "Mary", "John", "Laura", "Robert", "Evelyn", "Thomas", "Sarah", "David", "Helen",
    "Michael", "Anne", "Peter", "Grace", "Daniel", "Rachel", "James", "Susan", "Mark",
)  # fmt: skip
LAST = (
    "Lindqvist", "Haskell", "Thornton", "Whitfield", "Marsh", "Adeyemi", "Okafor",
    "Brennan", "Castillo", "Dawson", "Ellery", "Fischer", "Garrison", "Holloway",
    "Iverson", "Jardine", "Kowalski", "Lachance", "Moreau", "Navarro", "Pemberton",
)  # fmt: skip
KOREAN = (
    "Kim Jong-un", "Moon Jae-in", "Yoon Suk Yeol", "Park Geun-hye", "Lee Jae-myung",
    "Chung Eui-yong", "Kang Kyung-wha", "Ban Ki-moon", "Kim Yo-jong", "Cho Tae-yong",
)  # fmt: skip
CHINESE = ("Xi Jinping", "Wang Yi", "Li Qiang", "Qin Gang", "Wang Wenbin")
TITLE = (
    "Gen.", "Lt. Gen.", "Adm.", "Col.", "Dr.", "Prof.", "Sen.", "Rep.", "Amb.", "Mr.",
    "Mrs.", "Ms.", "Gov.",
)  # fmt: skip
ROLE = (
    "a senior fellow at the Meridian Council",
    "a former State Department analyst",
    "a professor at Seoul National University",
    "the deputy national security adviser",
    "a retired U.S. Army officer",
    "an economist at the Korea Development Institute",
    "the ruling party's floor leader",
    "a researcher at the Asan Institute",
)
CITY = (
    "Seoul", "Pyongyang", "Beijing", "Tokyo", "Washington", "Busan", "Panmunjom",
    "Singapore", "Hanoi", "New York", "Geneva", "Vladivostok",
)  # fmt: skip
WEEKDAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.")
ORG = (
    "the U.N. Security Council", "the U.S. State Department", "the Pentagon",
    "the Blue House", "the Ministry of Unification", "the Chinese Foreign Ministry",
    "the International Atomic Energy Agency", "the U.S. Treasury", "NATO",
    "the Korea Institute for National Unification",
)  # fmt: skip
POLICY = (
    "tougher sanctions", "a return to talks", "joint military exercises",
    "humanitarian aid", "a declaration ending the war", "secondary sanctions on Chinese banks",
    "a freeze on missile tests", "the reopening of the Kaesong complex",
    "missile defense deployments", "a summit without preconditions",
)  # fmt: skip
THING = (
    "the nuclear program", "the missile launches", "the alliance", "the cost-sharing deal",
    "the liaison office", "the border talks", "the sanctions regime", "the radar battery",
    "the summit", "the food shortages", "the coal exports", "the naval drills",
)  # fmt: skip
ADJ = (
    "serious", "constructive", "premature", "dangerous", "unprecedented", "modest",
    "fragile", "historic", "limited", "costly", "welcome", "risky",
)  # fmt: skip
VERB = (
    "criticized", "welcomed", "questioned", "endorsed", "rejected", "defended",
    "played down", "praised", "condemned", "dismissed",
)  # fmt: skip
QUOTE = (
    "We will not be intimidated",
    "The door to dialogue remains open",
    "Pressure alone has never worked",
    "Our commitment to the alliance is ironclad",
    "Beijing holds the key, and it knows it",
    "Nobody in Seoul wants another crisis",
    "The numbers do not add up",
    "This is not the time for concessions",
)

TEMPLATES = (
    "{official} told reporters in {city} on {weekday} that {thing} was {adj}.",
    "The U.S. envoy met his South Korean counterpart in {city} on {weekday}.",
    "{title} {western} said the exercises would continue as planned.",
    '"{quote}," {western} said.',
    '"{quote}," said {title} {western}, {role}.',
    "{western}, {role}, disagreed with that reading.",
    "Officials from the U.N. and the U.S. State Department attended the meeting in {city}.",
    "Sanctions cost Pyongyang an estimated ${amount} billion last year, {org} said.",
    "The hearing took place in Washington, D.C., on {weekday}.",
    "The delegation spent {num} days in Washington, D.C.",
    "The agreement was signed on {month} {day}, {year}, in {city}.",
    "The talks were postponed until {month} {day}.",
    "About {pct} percent of South Koreans favour {policy}, according to a new poll.",
    "{korean} and {western} met for {num} hours at the border village of Panmunjom.",
    "{korean} did not mention {thing} in his speech on {weekday}.",
    "{chinese} {verb} {policy} in a statement on {month} {day}.",
    "Beijing {verb} the plan, calling it {adj} and {adj2}.",
    "Critics in {city} {verb} {policy} as {adj}.",
    "The report was written by {initials} {last} and {initials2} {last2}.",
    "It runs to {num3} pages (including {num} annexes) and was published by {org}.",
    "{org} has {verb} {thing} more than once since {year}.",
    "Seoul wants dialogue; Washington wants pressure first.",
    "Trade between China and the North grew {pct} percent in the first quarter.",
    "The envoy flew back to the U.S. after {num} days of talks.",
    "A spokesman for {org} declined to comment on {thing}.",
    "{title} {western} of the U.S. Forces Korea called {thing} {adj}.",
    "Few in {city} expect {policy} to change the North's calculus.",
    "The meeting is scheduled for {num} p.m. on {weekday} in {city}.",
    "Analysts say {thing} is {adj}, though some see it as {adj2}.",
    "Mr. {last} declined to comment, and Mrs. {last2} said the ministry would issue a statement.",
    "The cost of {thing} rose to ${amount} billion, up {pct} percent from {year}.",
    "In {year}, {org} {verb} {policy} by a vote of {num} to {num2}.",
    "{western} argues that {policy} would do more for peace than {policy2}.",
    "The {adj} approach, he wrote, rests on a simple idea: that {thing} can be managed.",
    "Both governments said {thing} would be discussed again in {month}.",
    "{chinese} met {korean} in {city}, their first meeting since {year}.",
    "Is {policy} worth the risk?",
    "Pyongyang's state media carried the speech in full the next morning.",
    "The ministry in Seoul announced the new envoy on {weekday}.",
    "Washington and Seoul agreed on every step of the response within hours.",
)


class Picker:
    """Choices from a block of random integers drawn once (fast and reproducible)."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16):
        self._rng = rng
        self._block = block
        self._values = rng.integers(0, 1 << 30, size=block)
        self._next = 0

    def below(self, n: int) -> int:
        """A random integer in ``[0, n)``."""
        if self._next == self._block:
            self._values = self._rng.integers(0, 1 << 30, size=self._block)
            self._next = 0
        value = int(self._values[self._next])
        self._next += 1
        return value % n

    def pick(self, options: Sequence[str]) -> str:
        return options[self.below(len(options))]


def _initials(p: Picker) -> str:
    letters = "ABCDEFGHJKLMNPRSTW"
    first = letters[p.below(len(letters))]
    if p.below(3) == 0:
        return f"{first}.{letters[p.below(len(letters))]}."
    return f"{p.pick(FIRST)} {first}."


def sentence(p: Picker) -> str:
    """One sentence from a random template."""
    template = p.pick(TEMPLATES)
    western = f"{_initials(p)} {p.pick(LAST)}"
    fill = {
        "official": p.pick(("The foreign minister", "A senior official", "The defense minister")),
        "city": p.pick(CITY),
        "weekday": p.pick(WEEKDAY),
        "thing": p.pick(THING),
        "adj": p.pick(ADJ),
        "adj2": p.pick(ADJ),
        "title": p.pick(TITLE),
        "western": western,
        "quote": p.pick(QUOTE),
        "role": p.pick(ROLE),
        "org": p.pick(ORG),
        "amount": f"{1 + p.below(9)}.{p.below(10)}",
        "num": str(2 + p.below(9)),
        "num2": str(1 + p.below(5)),
        "num3": str(40 + p.below(200)),
        "month": p.pick(MONTH),
        "day": str(1 + p.below(28)),
        "year": str(1994 + p.below(31)),
        "pct": f"{p.below(80)}.{p.below(10)}",
        "policy": p.pick(POLICY),
        "policy2": p.pick(POLICY),
        "korean": p.pick(KOREAN),
        "chinese": p.pick(CHINESE),
        "verb": p.pick(VERB),
        "initials": p.pick(("J. R.", "H. S.", "M. K.", "T. W.")),
        "initials2": p.pick(("A. B.", "S. Y.", "E. T.", "D. L.")),
        "last": p.pick(LAST),
        "last2": p.pick(LAST),
    }
    text = template.format_map(fill)
    return text[0].upper() + text[1:]


def headline(p: Picker) -> str:
    """A short headline without a final full stop (the importer keeps it as the title)."""
    forms = (
        "{Thing} is {adj}, and {city} knows it",
        "Why {policy} will not work",
        "The case for {policy}",
        "{City} gambles on {policy}",
        "After {thing}, a {adj} moment for the alliance",
    )
    text = p.pick(forms).format(
        Thing=p.pick(THING).capitalize(),
        thing=p.pick(THING),
        adj=p.pick(ADJ),
        city=p.pick(CITY),
        City=p.pick(CITY),
        policy=p.pick(POLICY),
    )
    return text[0].upper() + text[1:]


def _clutter_lines(p: Picker) -> list[str]:
    """Lines the default clutter rules exclude: credits, tags, notices."""
    return [
        p.pick(("Photo: Yonhap", "Getty Images", "AFP", "Photo by Reuters")),
        p.pick(("Advertisement", "Read more", "Share this article", "Subscribe now")),
    ]


def _tail_lines(p: Picker) -> list[list[str]]:
    """Closing blocks: an author box ("More >"), a bio, tags, a republication footer."""
    author = f"{p.pick(FIRST)} {p.pick('ABCDEFGHJKLMNPRSTW')}. {p.pick(LAST)}"
    blocks: list[list[str]] = []
    if p.below(2):
        blocks.append(
            [author, f"{author.split()[-1]} previously worked for {p.pick(ORG)}.", "More >"]
        )
    blocks.append([f"{author} is {p.pick(ROLE)} and a former columnist for this newspaper."])
    blocks.append([f"Tags: North Korea, {p.pick(POLICY)}, {p.pick(CITY)}"])
    if p.below(3) == 0:
        blocks.append(["This article was originally published in The Korea Herald."])
    return blocks


def article(p: Picker, sentences: int) -> tuple[str, int]:
    """One article of about ``sentences`` sentences; returns its text and the number of
    sentences generated for coding (clutter and headline not counted)."""
    paragraphs: list[str] = []
    left = sentences
    while left > 0:
        size = min(left, 3 + p.below(6))
        body = [sentence(p) for _ in range(size)]
        if p.below(12) == 0:
            # An ad token inside a paragraph: kept in the text, left out of the unit.
            body.insert(1 + p.below(size), "{mosads}")
        paragraphs.append(" ".join(body))
        left -= size
    lines = [headline(p), ""]
    clutter = _clutter_lines(p)
    for index, paragraph in enumerate(paragraphs):
        lines += [paragraph, ""]
        if index == 1:
            lines += [clutter[0], ""]
        if index == len(paragraphs) // 2:
            lines += [clutter[1], ""]
    for block in _tail_lines(p):
        lines += [*block, ""]
    return "\n".join(lines).rstrip("\n") + "\n", sentences
