"""The prompt an LLM coder gets: built from the scheme and an editable template.

The template (``exports/llm_prompt.txt`` by default, or any file given instead) is a
:class:`string.Template` with ``$scheme_title``, ``$scheme_description``,
``$dimensions`` (every dimension's question and every category's code, label,
definition and examples), ``$answer_format``, ``$paragraph`` and ``$sentence``. The text
before the line ``---`` goes in the system message, the rest in the user message. The
prompt hash covers the template and the scheme, not the unit, so that it names the
prompt a model was asked with.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from desktop.core.errors import InputError
from desktop.core.resources import data_dir
from desktop.core.scheme import Scheme

SPLIT = "\n---\n"
FIELDS = (
    "scheme_title",
    "scheme_description",
    "dimensions",
    "answer_format",
    "paragraph",
    "sentence",
)


def default_template_path() -> Path:
    """The shipped template, ``exports/llm_prompt.txt``."""
    return data_dir("exports") / "llm_prompt.txt"


def read_template(path: str | Path | None = None) -> str:
    """The template text; checks that it names the sentence and splits system from user.

    Raises
    ------
    InputError
        If the file cannot be read or is not a usable template.
    """
    path = Path(path) if path else default_template_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read ({exc})", path) from None
    try:
        names = {
            m.group("named") or m.group("braced")
            for m in Template.pattern.finditer(text)
            if m.group("invalid") is None
        }
    except ValueError as exc:
        raise InputError(f"is not a usable template ({exc})", path) from None
    unknown = sorted(n for n in names - set(FIELDS) if n)
    if unknown:
        raise InputError(f"uses unknown fields ${', $'.join(unknown)}", path)
    if "sentence" not in names:
        raise InputError("never shows the sentence ($sentence)", path)
    if SPLIT not in text:
        raise InputError("needs a line '---' between the instructions and the unit", path)
    return text


def describe_dimensions(scheme: Scheme) -> str:
    """Every dimension's question and categories, for the prompt."""
    parts = []
    for d in scheme.dimensions:
        lines = [f'Dimension "{d.id}" ({d.label}): {d.question}']
        if d.description:
            lines.append(f"  {d.description}")
        for c in d.categories:
            lines.append(f'  - "{c.code}" ({c.label}): {c.definition}')
            lines.extend(f"      Example: {example}" for example in c.examples)
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def answer_format(scheme: Scheme) -> str:
    """``{"dim": "code1" | "code2", ...}`` as a line of the prompt."""
    inner = ", ".join(
        f'"{d.id}": ' + " | ".join(f'"{c}"' for c in d.codes) for d in scheme.dimensions
    )
    return "{" + inner + "}"


def answer_schema(scheme: Scheme) -> dict:
    """The JSON schema of an answer, for endpoints that constrain output to one."""
    return {
        "type": "object",
        "properties": {d.id: {"type": "string", "enum": list(d.codes)} for d in scheme.dimensions},
        "required": list(scheme.dimension_ids),
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class Prompt:
    """A template bound to a scheme."""

    system: Template
    user: Template
    fixed: dict[str, str]
    hash: str
    template: str

    def messages(self, sentence: str, paragraph: str) -> list[dict[str, str]]:
        """The chat messages for one unit."""
        values = {**self.fixed, "sentence": sentence, "paragraph": paragraph or sentence}
        return [
            {"role": "system", "content": self.system.safe_substitute(values).strip()},
            {"role": "user", "content": self.user.safe_substitute(values).strip()},
        ]


def build_prompt(scheme: Scheme, template: str) -> Prompt:
    """Bind ``template`` to ``scheme``; the hash covers both (not the unit)."""
    fixed = {
        "scheme_title": scheme.title,
        "scheme_description": scheme.description,
        "dimensions": describe_dimensions(scheme),
        "answer_format": answer_format(scheme),
    }
    system, _, user = template.partition(SPLIT)
    digest = hashlib.sha256(
        json.dumps({"template": template, **fixed}, sort_keys=True).encode()
    ).hexdigest()
    return Prompt(Template(system), Template(user), fixed, digest, template)


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def parse_answer(content: str, scheme: Scheme) -> dict[str, tuple[str | None, str]]:
    """Read a model's answer: for each dimension, ``(code, "")`` or ``(None, reason)``.

    The answer must be a JSON object (a fenced block or text around one object is
    tolerated); each dimension's value must be one of its codes (case and surrounding
    space ignored). Nothing is guessed.
    """
    text = _FENCE.sub("", (content or "").strip())
    data = None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                data = json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                data = None
    if not isinstance(data, dict):
        shown = " ".join(text.split())[:60]
        reason = f"the answer is not a JSON object: {shown!r}"
        return {d.id: (None, reason) for d in scheme.dimensions}
    out = {}
    for d in scheme.dimensions:
        value = data.get(d.id)
        codes = {c.lower(): c for c in d.codes}
        if value is None:
            out[d.id] = (None, f"the answer has no value for {d.id}")
        elif not isinstance(value, str) or value.strip().lower() not in codes:
            out[d.id] = (None, f"{str(value)[:40]!r} is not a category of {d.id}")
        else:
            out[d.id] = (codes[value.strip().lower()], "")
    return out
