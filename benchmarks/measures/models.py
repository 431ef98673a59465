"""model_train_s, model_predict_units_per_s and llm_overhead_ms (desktop/core/machine).

model_train_s
    ``train_model`` on a project of 10,000 units with gold labels on 3 dimensions:
    features fitted on every unit's text, the penalty chosen by 5-fold cross-validation
    grouped by article (3 candidates), out-of-fold predictions and the final fits.
    Reference in the same run: scikit-learn's own ``TfidfVectorizer(analyzer="char_wb",
    ngram_range=(2, 5))`` fitted on the same texts, the character features most
    TF-IDF classifiers use.
model_predict_units_per_s
    A fitted model coding 20,000 new sentences: features and class probabilities on all
    3 dimensions, from text to probabilities. Reference: scikit-learn's char_wb
    vectorizer alone transforming the same texts.
llm_overhead_ms
    ``run_llm`` coding 400 units against a chat-completions server on localhost that
    answers at once, one request at a time, minus a bare keep-alive ``http.client`` loop
    sending the same requests to the same server: what the client itself adds per unit
    (prompt, JSON, validation, the cache and labels written to SQLite, threads).
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from benchmarks.harness import Result, rounded

TRAIN_UNITS = 10_000
PREDICT_UNITS = 20_000
LLM_UNITS = 400
QUICK_SHARE = 10  # --quick: a tenth of each size (the targets then say nothing)
TARGET_TRAIN_S = 30.0
TARGET_PREDICT = 20_000.0
TARGET_OVERHEAD_MS = 2.0

_WORDS = {
    "stance": {
        "pressure": "sanctions deterrence pressure drills isolate punish",
        "mixed": "conditional balanced both hedge calibrated dual",
        "engagement": "dialogue talks aid summit reconcile cooperation",
        "none": "weather ferry museum schedule traffic festival",
    },
    "alliance_trust": {
        "strained": "rift abandon doubt unreliable fraying quarrel",
        "ambivalent": "uneasy wavering mixed uncertain hedging cautious",
        "solid": "steadfast ironclad firm loyal unwavering trusted",
        "none": "harvest concert tourism rainfall bridge market",
    },
    "china_role": {
        "constructive": "mediate broker calm helpful restraint facilitate",
        "obstructive": "shield veto block obstruct prop undermine",
        "mixed": "ambiguous double partly sometimes alternately both",
        "none": "railway novel garden stadium recipe canal",
    },
}
_FILLER = [
    "the",
    "officials",
    "said",
    "that",
    "in",
    "a",
    "statement",
    "on",
    "Monday",
    "while",
    "analysts",
    "noted",
    "an",
    "editorial",
    "argued",
    "that",
    "the",
    "government",
    "would",
    "consider",
    "whether",
]


def _sentences(n: int, seed: int) -> tuple[list[str], list[dict[str, str]]]:
    rng = np.random.default_rng(seed)
    texts, truths = [], []
    for i in range(n):
        truth = {d: str(rng.choice(list(cats))) for d, cats in _WORDS.items()}
        words = list(rng.choice(_FILLER, 12))
        for d, code in truth.items():
            words += list(rng.choice(_WORDS[d][code].split(), 2))
        if rng.random() < 0.2:  # label noise: a cue of another category
            d = str(rng.choice(list(_WORDS)))
            words.append(str(rng.choice(" ".join(_WORDS[d].values()).split())))
        rng.shuffle(words)
        texts.append(f"Item {i}: " + " ".join(words).capitalize() + ".")
        truths.append(truth)
    return texts, truths


def _project(workdir: Path, units: int) -> tuple[Path, int]:
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme
    from desktop.core.store.team import write_gold

    folder = workdir / "model_articles"
    folder.mkdir(parents=True, exist_ok=True)
    texts, truths = _sentences(units, 1)
    per_article = 20
    by_text = {}
    for a in range(units // per_article):
        chunk = texts[a * per_article : (a + 1) * per_article]
        paragraphs = [" ".join(chunk[p : p + 4]) for p in range(0, per_article, 4)]
        (folder / f"a{a:04d}.txt").write_text(f"Article {a}\n\n" + "\n\n".join(paragraphs) + "\n")
    for text, truth in zip(texts, truths, strict=True):
        by_text[text] = truth
    path = workdir / "models.stance"
    db = store.create_project(path, load_scheme(default_scheme_path()))
    try:
        import_paths(db, [folder])
        units = db.execute("SELECT id, text FROM units WHERE excluded = 0").fetchall()
        with store.write_transaction(db):
            for unit_id, text in units:
                truth = by_text.get(text)
                if truth is None:
                    continue
                for d, code in truth.items():
                    write_gold(db, unit_id, d, code, "adjudicated", "bench")
        labelled = db.execute("SELECT count(DISTINCT unit_id) FROM gold_labels").fetchone()[0]
    finally:
        db.close()
    return path, labelled


def measure_training(workdir: Path, quick: bool = False) -> list[Result]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from desktop.core import store
    from desktop.core.machine.features import TextFeatures
    from desktop.core.machine.train import train_model
    from desktop.core.store import machine as mstore

    train_units = TRAIN_UNITS // QUICK_SHARE if quick else TRAIN_UNITS
    predict_units = PREDICT_UNITS // QUICK_SHARE if quick else PREDICT_UNITS
    path, labelled = _project(workdir, train_units)
    db = store.open_project(path)
    try:
        texts = [u.text for u in mstore.codable_unit_texts(db)]
        started = time.perf_counter()
        result = train_model(db, "bench", basis="gold")
        train_s = time.perf_counter() - started
    finally:
        db.close()
    started = time.perf_counter()
    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit_transform(texts)
    reference_s = time.perf_counter() - started
    f1 = {f.dimension: round(f.cv_macro_f1[f.chosen_alpha], 3) for f in result.fits}

    # Prediction: a model fitted on the project's units codes 20,000 new sentences.
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from desktop.core.machine.train import _classifier

    features = TextFeatures()
    x = features.fit_transform(texts)
    labels = {d: [t[d] for t in _sentences(train_units, 1)[1]] for d in _WORDS}
    models = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for d, y in labels.items():
            models[d] = _classifier(1e-4).fit(x[: len(y)], y[: x.shape[0]])
    new, _ = _sentences(predict_units, 2)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        matrix = features.transform(new)
        for model in models.values():
            model.predict_proba(matrix)
        times.append(time.perf_counter() - started)
    predict_rate = predict_units / statistics.median(times)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(texts[:2000])
    started = time.perf_counter()
    vectorizer.transform(new)
    reference_rate = predict_units / (time.perf_counter() - started)
    return [
        Result(
            "model_train_s",
            f"train on {labelled:,} gold units x 3 dimensions, grouped 5-fold CV + out-of-fold",
            train_s,
            "s",
            f"<= {TARGET_TRAIN_S:g}",
            train_s <= TARGET_TRAIN_S,
            figures=rounded({"train_s": train_s, "sklearn_char_wb_fit_s": reference_s}),
            details={"labelled_units": labelled, "cv_macro_f1": f1},
            summary=f"{train_s:.1f} s ({labelled} units; sklearn char_wb TF-IDF alone "
            f"{reference_s:.1f} s)",
        ),
        Result(
            "model_predict_units_per_s",
            "text to class probabilities on 3 dimensions, 20,000 new units",
            predict_rate,
            "units/s",
            f">= {TARGET_PREDICT:,.0f}",
            predict_rate >= TARGET_PREDICT,
            figures=rounded(
                {
                    "units_per_s": predict_rate,
                    "sklearn_char_wb_transform_units_per_s": reference_rate,
                }
            ),
            summary=f"{predict_rate:,.0f} units/s (sklearn char_wb transform alone "
            f"{reference_rate:,.0f}/s)",
        ),
    ]


class _Server:
    """A chat-completions server on localhost that answers at once."""

    def __init__(self) -> None:
        answer = json.dumps({"stance": "none", "alliance_trust": "none", "china_role": "none"})
        body = json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "model": "bench",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": answer},
                    }
                ],
                "usage": {"prompt_tokens": 900, "completion_tokens": 20, "total_tokens": 920},
            }
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms ACK wait

            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def measure_llm_overhead(workdir: Path, quick: bool = False) -> Result:
    from desktop.core import store
    from desktop.core.machine.llm import LlmSettings, run_llm
    from desktop.core.machine.prompt import build_prompt, read_template
    from desktop.core.store import machine as mstore

    path = workdir / "models.stance"
    server = _Server()
    try:
        db = store.open_project(path)
        try:
            n_units = LLM_UNITS // QUICK_SHARE if quick else LLM_UNITS
            units = mstore.codable_unit_texts(db)[:n_units]
            scheme = store.current_scheme(db)
            prompt = build_prompt(scheme, read_template())
            paragraphs = mstore.paragraph_texts(db, [u.id for u in units])
            bodies = [
                json.dumps(
                    {
                        "model": "bench",
                        "temperature": 0,
                        "messages": prompt.messages(u.text, paragraphs[u.id]),
                    }
                ).encode()
                for u in units
            ]
            conn = http.client.HTTPConnection("127.0.0.1", server.port)
            started = time.perf_counter()
            for body in bodies:
                conn.request(
                    "POST",
                    "/v1/chat/completions",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )
                conn.getresponse().read()
            bare_s = time.perf_counter() - started
            conn.close()
            settings = LlmSettings(endpoint=server.url, model="bench", concurrency=1)
            started = time.perf_counter()
            run_llm(db, "bench-llm", settings, units=units, template=read_template())
            client_s = time.perf_counter() - started
        finally:
            db.close()
    finally:
        server.close()
    overhead = (client_s - bare_s) / len(units) * 1000
    return Result(
        "llm_overhead_ms",
        "LLM client's own time per unit against a local server, minus a bare HTTP loop",
        overhead,
        "ms/unit",
        f"<= {TARGET_OVERHEAD_MS:g}",
        overhead <= TARGET_OVERHEAD_MS,
        figures=rounded(
            {
                "client_ms_per_unit": client_s / len(units) * 1000,
                "bare_http_ms_per_unit": bare_s / len(units) * 1000,
            }
        ),
        summary=f"{overhead:.2f} ms/unit ({client_s / len(units) * 1000:.2f} with the client, "
        f"{bare_s / len(units) * 1000:.2f} bare HTTP)",
    )
