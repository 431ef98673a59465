"""``stancecoder model llm`` against a real chat-completions server on localhost."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from chat_server import ChatServer, code_sentence

from desktop.cli import main
from desktop.core import store
from desktop.core.machine.prompt import parse_answer
from desktop.core.store import machine as mstore


def _labels(path, name="gpt"):
    db = store.open_project(path)
    try:
        return mstore.model_labels_frame(db, coders=[name], valid_only=False)
    finally:
        db.close()


def _truth(path):
    db = store.open_project(path)
    try:
        return {u.id: code_sentence(u.text) for u in mstore.codable_unit_texts(db)}
    finally:
        db.close()


def llm(path, server, *extra):
    return main(
        [
            "model",
            "llm",
            str(path),
            "--name",
            "gpt",
            "--endpoint",
            server.url,
            "--model",
            "tiny",
            "--units",
            "all",
            "--retries",
            "2",
            *extra,
        ]
    )


def test_codes_every_unit_with_schema_constrained_requests(coded_path, capsys):
    with ChatServer() as server:
        assert llm(coded_path, server) == 0
    out = capsys.readouterr().out
    assert "144 asked, 0 from the cache, 0 invalid" in out
    labels = _labels(coded_path)
    truth = _truth(coded_path)
    assert len(labels) == 432
    assert all(truth[r.unit_id][r.dimension] == r.value for r in labels.itertuples())
    body = server.requests[0]
    assert body["temperature"] == 0 and body["model"] == "tiny"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["stance"]["enum"] == ["pressure", "mixed", "engagement", "none"]
    system, user = body["messages"]
    assert "Only sanctions that bite" in system["content"]  # the scheme's examples
    assert "Paragraph (context):" in user["content"] and "Sentence to code:" in user["content"]


def test_a_rerun_is_answered_from_the_cache(coded_path, capsys):
    with ChatServer() as server:
        assert llm(coded_path, server) == 0
        asked = len(server.requests)
        assert llm(coded_path, server) == 0
        assert len(server.requests) == asked
    assert "0 asked, 144 from the cache" in capsys.readouterr().out


def test_runs_repeat_the_coding_and_score_run_to_run(coded_path, capsys):
    with ChatServer() as server:
        assert llm(coded_path, server, "--runs", "2") == 0
        assert len(server.requests) == 288
    labels = _labels(coded_path)
    assert sorted(set(labels["run"])) == [1, 2]
    capsys.readouterr()
    assert (
        main(["agreement", str(coded_path), "--models", "--format", "json", "--bootstrap", "20"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    stance = report["models"][0]["dimensions"][0]
    assert stance["run_to_run"]["runs"] == 2 and stance["run_to_run"]["alpha"] == 1.0
    assert report["models"][0]["method"] == "llm"


def test_invalid_answers_are_missing_with_their_reason(coded_path, capsys):
    with ChatServer(invalid_every=4) as server:
        assert llm(coded_path, server) == 0
    labels = _labels(coded_path)
    missing = labels[labels["value"].isna()]
    assert len(missing) == 36 * 3
    assert all("not a JSON object" in r for r in missing["reason"])
    assert "invalid answers" in capsys.readouterr().out


def test_an_endpoint_without_schema_support_is_asked_again_and_parsed(coded_path):
    with ChatServer(reject_schema=True) as server:
        assert llm(coded_path, server, "--concurrency", "1") == 0
    labels = _labels(coded_path)
    assert labels["value"].notna().all()
    assert sum("response_format" in b for b in server.requests) == 1


def test_transient_errors_are_retried(coded_path):
    with ChatServer(fail_first=2) as server:
        assert llm(coded_path, server, "--concurrency", "1") == 0
    assert len(server.requests) == 146
    assert _labels(coded_path)["value"].notna().all()


@pytest.mark.parametrize(
    ("server_options", "message"),
    [
        ({"garbage": True}, "not JSON"),
        ({"fail_first": 10_000}, "HTTP 503"),
        ({"api_key": "right"}, "HTTP 401"),
    ],
)
def test_bad_endpoints_get_one_line_and_leave_the_project_unchanged(
    coded_path, capsys, dump, server_options, message
):
    before = dump(coded_path)
    with ChatServer(**server_options) as server:
        assert llm(coded_path, server, "--retries", "1") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert dump(coded_path) == before


def test_an_endpoint_that_is_down_gets_one_line(coded_path, capsys, dump):
    before = dump(coded_path)
    with ChatServer() as server:
        url = server.url
    assert (
        main(
            [
                "model",
                "llm",
                str(coded_path),
                "--name",
                "gpt",
                "--endpoint",
                url,
                "--model",
                "tiny",
                "--retries",
                "1",
                "--units",
                "all",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach it" in err
    assert dump(coded_path) == before


def test_the_api_key_is_sent_but_never_written(coded_path, tmp_path, capsys, monkeypatch):
    key = "sk-test-3f9a1c77e5d24b0c9b1e"
    monkeypatch.setenv("MY_LLM_KEY", key)
    with ChatServer(api_key=key) as server:
        assert llm(coded_path, server, "--api-key-env", "MY_LLM_KEY") == 0
    assert server.headers[0]["Authorization"] == f"Bearer {key}"
    report = tmp_path / "models.html"
    assert (
        main(
            [
                "agreement",
                str(coded_path),
                "--models",
                "--format",
                "html",
                "-o",
                str(report),
                "--bootstrap",
                "10",
            ]
        )
        == 0
    )
    assert main(["model", "list", str(coded_path), "--json"]) == 0
    assert (
        main(["export", str(coded_path), "--layout", "long", "-o", str(tmp_path / "data.csv")]) == 0
    )
    logs = capsys.readouterr()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert coded_path in written and report in written
    for path in written:
        assert key.encode() not in path.read_bytes(), path
    assert key not in logs.out and key not in logs.err


def test_parse_answer_never_guesses(scheme):
    ok = parse_answer(
        'Sure: {"stance": " Pressure ", "alliance_trust": "solid", "china_role": "none"}', scheme
    )
    assert ok["stance"] == ("pressure", "") and ok["alliance_trust"] == ("solid", "")
    bad = parse_answer('{"stance": "pressur", "alliance_trust": 3}', scheme)
    assert bad["stance"][0] is None and "not a category" in bad["stance"][1]
    assert bad["alliance_trust"][0] is None
    assert bad["china_role"] == (None, "the answer has no value for china_role")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_kill_during_a_run_loses_no_stored_answer_and_the_rerun_resumes(coded_path):
    with ChatServer(delay=0.02) as server:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desktop",
                "model",
                "llm",
                str(coded_path),
                "--name",
                "gpt",
                "--endpoint",
                server.url,
                "--model",
                "tiny",
                "--units",
                "all",
                "--concurrency",
                "2",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            stored = 0
            while stored < 30 and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.05)
                with contextlib.suppress(sqlite3.OperationalError):
                    conn = sqlite3.connect(f"file:{coded_path}?mode=ro", uri=True)
                    try:
                        stored = conn.execute("SELECT count(*) FROM llm_cache").fetchone()[0]
                    finally:
                        conn.close()
            assert child.poll() is None, "the run ended before it could be killed"
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait()
        db = store.open_project(coded_path)
        try:
            cached = {r[0] for r in db.execute("SELECT unit_id FROM llm_cache")}
            labelled = mstore.done_units(db, "gpt", 1)
        finally:
            db.close()
        assert len(cached) >= 30 and labelled == cached  # answer and labels together
        asked_before = len(server.requests)
        assert llm(coded_path, server) == 0
        asked_again = len(server.requests) - asked_before
    assert asked_again == 144 - len(cached)  # nothing stored is asked for again
    labels = _labels(coded_path)
    assert len(labels) == 432 and labels["value"].notna().all()


def test_a_slow_endpoint_times_out_in_one_line(coded_path, capsys, dump):
    before = dump(coded_path)
    with ChatServer(delay=2.0) as server:
        assert llm(coded_path, server, "--timeout", "0.3", "--retries", "0") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "timed out" in err
    assert dump(coded_path) == before


def test_a_sample_of_units_and_the_cost_of_the_tokens(coded_path, capsys):
    with ChatServer() as server:
        assert (
            main(
                [
                    "model",
                    "llm",
                    str(coded_path),
                    "--name",
                    "gpt",
                    "--endpoint",
                    server.url,
                    "--model",
                    "tiny",
                    "--units",
                    "10",
                    "--price-in",
                    "2.5",
                    "--price-out",
                    "10",
                ]
            )
            == 0
        )
    out = capsys.readouterr().out
    assert "Coded 10 units" in out and "10 asked" in out
    prompt_tokens = sum(len(b["messages"][-1]["content"]) // 4 for b in server.requests)
    expected = (prompt_tokens * 2.5 + 10 * 20 * 10) / 1e6  # the server's usage counts
    assert f"cost {expected:.4f}" in out


def test_an_error_that_echoes_the_key_is_redacted(coded_path, capsys, monkeypatch):
    key = "sk-wrong-77d1e0a9c3b24f18"
    monkeypatch.setenv("MY_LLM_KEY", key)
    with ChatServer(api_key="the-right-one") as server:
        assert llm(coded_path, server, "--api-key-env", "MY_LLM_KEY", "--retries", "0") == 2
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "invalid api key: Bearer ***" in err and key not in err
    assert key.encode() not in coded_path.read_bytes()
