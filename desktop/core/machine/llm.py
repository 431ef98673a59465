"""Code units with an LLM behind an OpenAI-compatible chat-completions endpoint.

Protocol: ``POST <endpoint>/chat/completions`` with ``model``, ``messages``,
``temperature`` and, where the endpoint accepts it, ``response_format`` of type
``json_schema`` (the answer constrained to the category codes). An endpoint that refuses
``response_format`` with a 400 is asked again without it, and every answer is parsed and
validated either way (:func:`desktop.core.machine.prompt.parse_answer`); an invalid
answer is a missing value with its reason. The reply's ``choices[0].message.content``
and ``usage`` token counts are read.

Every answer is written to the project as it arrives (the response cache and the labels
in one transaction; answers that arrive together share one), so a kill loses no answer
that was stored, and a rerun asks only for what is not in the cache, keyed by (model,
prompt hash, unit, run). The API key is read from an environment variable, sent in the
``Authorization`` header and never written anywhere.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from desktop.core import store
from desktop.core.errors import StanceError, UsageError
from desktop.core.machine.prompt import Prompt, answer_schema, build_prompt, parse_answer
from desktop.core.scheme import Scheme
from desktop.core.store import machine as mstore

DEFAULT_KEY_ENV = "STANCECODER_API_KEY"
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class EndpointError(StanceError):
    """The endpoint cannot be reached or does not speak the chat-completions protocol."""


@dataclass
class LlmSettings:
    """How to reach and ask the endpoint."""

    endpoint: str
    model: str
    temperature: float = 0.0
    concurrency: int = 4
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 0.5
    max_tokens: int = 300
    api_key_env: str = DEFAULT_KEY_ENV
    price_in: float = 0.0  # per million prompt tokens
    price_out: float = 0.0  # per million completion tokens
    json_schema: bool = True

    def public(self) -> dict:
        """The settings as provenance: no key, no credentials or query in the URL."""
        return {
            "endpoint": public_url(self.endpoint),
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "api_key_env": self.api_key_env,
        }


def public_url(url: str) -> str:
    """``url`` without user, password, query or fragment (they may carry a key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def chat_url(endpoint: str) -> tuple[str, str, int | None, str]:
    """``(scheme, host, port, path)`` of the chat-completions URL of ``endpoint``.

    Raises
    ------
    UsageError
        If it is not an http(s) URL.
    """
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the endpoint must be an http:// or https:// URL, not '{endpoint}'")
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path += "/chat/completions"
    if parts.query:
        path += f"?{parts.query}"
    return parts.scheme, parts.hostname, parts.port, path


@dataclass
class Answer:
    """One unit's answer from the endpoint."""

    unit_id: str
    run: int
    content: str
    tokens_in: int = 0
    tokens_out: int = 0


class ChatClient:
    """A small chat-completions client: keep-alive connection per thread, retries."""

    def __init__(self, settings: LlmSettings, scheme: Scheme):
        self.settings = settings
        self.scheme, self.host, self.port, self.path = chat_url(settings.endpoint)
        self.schema = answer_schema(scheme) if settings.json_schema else None
        self._local = threading.local()
        key = os.environ.get(settings.api_key_env, "") if settings.api_key_env else ""
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._key = key

    def _redact(self, text: str) -> str:
        """``text`` without the API key, should an endpoint echo it back in an error."""
        return text.replace(self._key, "***") if self._key else text

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            kind = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = kind(self.host, self.port, timeout=self.settings.timeout)
            self._local.conn = conn
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def _post(self, body: dict) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        for attempt in range(2):  # a kept-alive connection the server closed: reconnect once
            conn = self._connection()
            try:
                conn.request("POST", self.path, body=data, headers=self._headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._drop_connection()
                if attempt:
                    raise
            except Exception:
                self._drop_connection()
                raise
        raise AssertionError("unreachable")

    def ask(self, messages: list[dict[str, str]], cancel: threading.Event | None = None):
        """Send one chat request; returns ``(content, tokens_in, tokens_out)``.

        Raises
        ------
        EndpointError
            When the endpoint is unreachable after the retries, refuses the request, or
            answers with something that is not a chat completion.
        """
        s = self.settings
        body = {
            "model": s.model,
            "messages": messages,
            "temperature": s.temperature,
            "max_tokens": s.max_tokens,
        }
        where = public_url(s.endpoint)
        last = ""
        for attempt in range(s.retries + 1):
            if self.schema is not None:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "coding", "strict": True, "schema": self.schema},
                }
            else:
                body.pop("response_format", None)
            try:
                status, payload = self._post(body)
            except (OSError, http.client.HTTPException) as exc:
                status, payload, last = 0, b"", f"cannot reach it ({exc.__class__.__name__}: {exc})"
            if status == 400 and self.schema is not None and b"response_format" in payload:
                self.schema = None  # the endpoint does not take a schema: parse instead
                continue
            if status == 200:
                return _read_completion(payload, where)
            if status and status not in RETRY_STATUS:
                raise EndpointError(
                    self._redact(f"answered HTTP {status}: {_error_text(payload)}"), where
                )
            if status:
                last = self._redact(f"answered HTTP {status}: {_error_text(payload)}")
            if attempt < s.retries:
                delay = s.backoff * (2**attempt) * (0.5 + random.random() / 2)
                if cancel is not None and cancel.wait(delay):
                    break
        raise EndpointError(f"{last} (after {s.retries + 1} tries)", where)


def _error_text(payload: bytes) -> str:
    try:
        data = json.loads(payload)
        message = data.get("error", data)
        if isinstance(message, dict):
            message = message.get("message", message)
        return " ".join(str(message).split())[:120]
    except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
        return " ".join(payload[:120].decode("utf-8", "replace").split()) or "(empty)"


def _read_completion(payload: bytes, where: str) -> tuple[str, int, int]:
    try:
        data = json.loads(payload)
        content = data["choices"][0]["message"]["content"]
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EndpointError(
            "answered with something that is not JSON; is this a chat-completions endpoint?",
            where,
        ) from None
    except (KeyError, IndexError, TypeError):
        raise EndpointError(
            "answered JSON without choices[0].message.content (not a chat completion)", where
        ) from None
    usage = data.get("usage") or {}
    return (
        content if isinstance(content, str) else json.dumps(content),
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )


# -- a run ----------------------------------------------------------------------------------


@dataclass
class Progress:
    """Where a run stands."""

    done: int
    total: int
    asked: int
    cached: int
    invalid: int
    rate: float  # units a second
    eta_s: float
    cost: float
    tokens_in: int
    tokens_out: int

    def line(self) -> str:
        """One line for a terminal or a status bar."""
        eta = f"{self.eta_s:.0f} s" if self.eta_s == self.eta_s else "?"
        cost = f", cost {self.cost:.4f}" if self.cost else ""
        return (
            f"{self.done}/{self.total} units ({self.cached} from the cache, {self.invalid} "
            f"invalid), {self.rate:.1f}/s, ETA {eta}{cost}"
        )


@dataclass
class LlmResult:
    """What a run did."""

    coder: str
    prompt_hash: str
    units: int
    runs: int
    asked: int = 0
    cached: int = 0
    invalid: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    cancelled: bool = False
    reasons: dict[str, int] = field(default_factory=dict)


def select_units(db: store.Database, which: str, seed: int = 0) -> list[mstore.UnitText]:
    """The units to code: ``all``, ``reliability``, ``gold`` or a number (a seeded sample).

    Raises
    ------
    UsageError
        If the choice is unknown or selects nothing.
    """
    units = mstore.codable_unit_texts(db)
    if which == "all":
        chosen = units
    elif which == "reliability":
        wanted = set(store.reliability_unit_ids(db))
        chosen = [u for u in units if u.id in wanted]
    elif which == "gold":
        from desktop.core.store.team import gold_frame

        wanted = set(gold_frame(db)["unit_id"])
        chosen = [u for u in units if u.id in wanted]
    elif which.isdigit() and int(which) > 0:
        rng = random.Random(seed)
        chosen = sorted(
            rng.sample(units, min(int(which), len(units))), key=lambda u: units.index(u)
        )
    else:
        raise UsageError(f"--units must be all, reliability, gold or a number, not '{which}'")
    if not chosen:
        raise UsageError(f"there are no {which} units to code")
    return chosen


def check_resume(
    db: store.Database, name: str, settings: LlmSettings, prompt: Prompt, *, replace: bool
) -> bool:
    """Whether ``name`` exists as the same LLM coder (a resume); refuses a clash.

    Raises
    ------
    UsageError
        If ``name`` is a human coder, or a different model and ``replace`` is false.
    """
    existing = mstore.get_model_coder(db, name)
    if existing is None or replace:
        mstore.check_model_name(db, name, replace=replace)
        return False
    same = (
        existing.method == "llm"
        and existing.basis_hash == prompt.hash
        and existing.parameters.get("model") == settings.model
    )
    if not same:
        raise UsageError(
            f"a model named '{name}' exists with another model or prompt; choose another "
            "name or add --replace"
        )
    return True


def run_llm(
    db: store.Database,
    name: str,
    settings: LlmSettings,
    *,
    units: Sequence[mstore.UnitText],
    runs: int = 1,
    template: str,
    replace: bool = False,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    who: str = "",
) -> LlmResult:
    """Code ``units`` ``runs`` times with the LLM, storing each answer as it arrives.

    Raises
    ------
    EndpointError
        If the endpoint fails for good; answers stored before stay (a rerun resumes).
    UsageError
        If ``name`` clashes (see :func:`check_resume`).
    """
    scheme = store.current_scheme(db)
    prompt = build_prompt(scheme, template)
    resuming = check_resume(db, name, settings, prompt, replace=replace)
    cancel = cancel or threading.Event()
    paragraphs = mstore.paragraph_texts(db, [u.id for u in units])
    run_ids = list(range(1, runs + 1))
    cache = mstore.cached_responses(db, settings.model, prompt.hash, run_ids)
    result = LlmResult(name, prompt.hash, len(units), runs)
    parameters = {
        **settings.public(),
        "runs": runs,
        "template": template,
        "json_schema": settings.json_schema,
    }
    registered = False

    def register() -> None:
        nonlocal registered
        if not registered:
            if not resuming:
                mstore.save_model_coder(
                    db,
                    name,
                    method="llm",
                    basis="prompt",
                    basis_hash=prompt.hash,
                    parameters=parameters,
                    replace=replace,
                )
                if replace:
                    mstore.delete_model_labels(db, name)
            else:
                previous = mstore.get_model_coder(db, name)
                parameters["runs"] = max(runs, previous.parameters.get("runs", 1))
                mstore.save_model_coder(
                    db,
                    name,
                    method="llm",
                    basis="prompt",
                    basis_hash=prompt.hash,
                    parameters=parameters,
                    replace=True,
                )
            registered = True

    def labels_of(answer: Answer) -> list[mstore.ModelLabel]:
        parsed = parse_answer(answer.content, scheme)
        out = []
        for dim, (value, reason) in parsed.items():
            if value is None:
                result.invalid += 1
                key = reason.split(":")[0] if reason.startswith("the answer is not") else reason
                result.reasons[key] = result.reasons.get(key, 0) + 1
            out.append(
                mstore.ModelLabel(answer.unit_id, dim, value, None, reason, False, answer.run)
            )
        return out

    todo, from_cache = [], []
    for run in run_ids:
        done = mstore.done_units(db, name, run) if resuming else set()
        for unit in units:
            hit = cache.get((unit.id, run))
            if hit is not None:
                if unit.id not in done or replace:
                    from_cache.append(
                        Answer(unit.id, run, hit.response, hit.tokens_in, hit.tokens_out)
                    )
                result.cached += 1
            else:
                todo.append((unit, run))
    total = len(units) * runs
    started = time.monotonic()

    def report(asked_now: int) -> None:
        if progress is None:
            return
        done = result.cached + result.asked
        elapsed = max(time.monotonic() - started, 1e-9)
        rate = asked_now / elapsed if asked_now else 0.0
        left = total - done
        progress(
            Progress(
                done,
                total,
                result.asked,
                result.cached,
                result.invalid,
                rate,
                left / rate if rate else (0.0 if not left else float("nan")),
                result.cost,
                result.tokens_in,
                result.tokens_out,
            )
        )

    if from_cache:
        with store.write_transaction(db):
            register()
            labels = [label for a in from_cache for label in labels_of(a)]
            mstore.put_model_labels(db, name, labels)
    report(0)
    if todo:
        _ask_all(
            db,
            name,
            settings,
            scheme,
            prompt,
            todo,
            paragraphs,
            result,
            cancel,
            register,
            labels_of,
            report,
        )
    if not registered:
        with store.write_transaction(db):
            register()
    result.cancelled = cancel.is_set() and result.asked + result.cached < total
    with store.write_transaction(db):
        store.log_change(
            db,
            "model-llm",
            who,
            {
                "model": name,
                "asked": result.asked,
                "cached": result.cached,
                "invalid": result.invalid,
                "cancelled": result.cancelled,
            },
        )
    return result


def _ask_all(
    db,
    name,
    settings,
    scheme,
    prompt,
    todo,
    paragraphs,
    result,
    cancel,
    register,
    labels_of,
    report,
) -> None:
    client = ChatClient(settings, scheme)
    work: queue.Queue = queue.Queue()
    for item in todo:
        work.put(item)
    answers: queue.Queue = queue.Queue()
    failure: list[EndpointError] = []

    def worker() -> None:
        while not cancel.is_set():
            try:
                unit, run = work.get_nowait()
            except queue.Empty:
                return
            try:
                content, t_in, t_out = client.ask(
                    prompt.messages(unit.text, paragraphs.get(unit.id, "")), cancel
                )
            except EndpointError as exc:
                failure.append(exc)
                cancel.set()
                return
            except Exception as exc:  # reported as one line by the caller
                failure.append(
                    EndpointError(
                        f"failed: {exc.__class__.__name__}: {exc}", public_url(settings.endpoint)
                    )
                )
                cancel.set()
                return
            answers.put(Answer(unit.id, run, content, t_in, t_out))

    threads = [
        threading.Thread(target=worker, daemon=True)
        for _ in range(max(1, min(settings.concurrency, len(todo))))
    ]
    for t in threads:
        t.start()
    asked = 0
    while True:
        alive = any(t.is_alive() for t in threads)
        try:
            batch = [answers.get(timeout=0.05)]
        except queue.Empty:
            if not alive and answers.empty():
                break
            continue
        while True:  # everything that has arrived goes into one transaction
            try:
                batch.append(answers.get_nowait())
            except queue.Empty:
                break
        with store.write_transaction(db):
            register()
            for a in batch:
                mstore.put_cached_response(
                    db,
                    settings.model,
                    prompt.hash,
                    mstore.CachedResponse(a.unit_id, a.run, a.content, a.tokens_in, a.tokens_out),
                )
            mstore.put_model_labels(db, name, [x for a in batch for x in labels_of(a)])
        for a in batch:
            result.asked += 1
            result.tokens_in += a.tokens_in
            result.tokens_out += a.tokens_out
        result.cost = (
            result.tokens_in * settings.price_in + result.tokens_out * settings.price_out
        ) / 1e6
        asked += len(batch)
        report(asked)
    for t in threads:
        t.join()
    if failure:
        raise failure[0]
