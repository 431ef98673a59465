"""A real HTTP server on localhost speaking OpenAI's chat-completions protocol, for tests.

POST /v1/chat/completions with ``model``, ``messages``, optional ``response_format``;
answers ``{"id", "object": "chat.completion", "model", "choices": [{"index": 0,
"message": {"role": "assistant", "content": ...}, "finish_reason": "stop"}], "usage":
{"prompt_tokens", "completion_tokens", "total_tokens"}}`` as the API reference documents.
The "model" reads the sentence after "Sentence to code:" and answers with the categories
whose phrases (tests/machine/conftest.py) it contains.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from machine_phrases import PHRASES


def code_sentence(sentence: str) -> dict[str, str]:
    return {
        d: next((code for code, bank in banks.items() if any(p in sentence for p in bank)), "none")
        for d, banks in PHRASES.items()
    }


class ChatServer:
    """Start with ``with ChatServer() as server:``; ``server.url`` is the endpoint."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        fail_first: int = 0,
        reject_schema: bool = False,
        garbage: bool = False,
        invalid_every: int = 0,
        api_key: str | None = None,
    ):
        self.delay = delay
        self.fail_first = fail_first
        self.reject_schema = reject_schema
        self.garbage = garbage
        self.invalid_every = invalid_every
        self.api_key = api_key
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms ACK wait

            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status: int, body: bytes, kind="application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if self.path != "/v1/chat/completions":
                    return self._send(404, b'{"error": {"message": "not found"}}')
                body = json.loads(raw)
                with server.lock:
                    server.requests.append(body)
                    server.headers.append(dict(self.headers))
                    number = len(server.requests)
                if server.delay:
                    time.sleep(server.delay)
                if server.api_key is not None and (
                    self.headers.get("Authorization") != f"Bearer {server.api_key}"
                ):
                    sent = self.headers.get("Authorization", "")
                    message = json.dumps({"error": {"message": f"invalid api key: {sent}"}})
                    return self._send(401, message.encode())
                if number <= server.fail_first:
                    return self._send(503, b'{"error": {"message": "overloaded"}}')
                if server.garbage:
                    return self._send(200, b"<html>Welcome to nginx</html>", "text/html")
                if server.reject_schema and "response_format" in body:
                    return self._send(
                        400, b'{"error": {"message": "response_format is not supported"}}'
                    )
                user = body["messages"][-1]["content"]
                sentence = user.split("Sentence to code:", 1)[-1].strip()
                if server.invalid_every and number % server.invalid_every == 0:
                    content = "I would say this leans towards pressure."
                else:
                    content = json.dumps(code_sentence(sentence))
                reply = {
                    "id": f"chatcmpl-{number}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],
                    "usage": {
                        "prompt_tokens": len(user) // 4,
                        "completion_tokens": 20,
                        "total_tokens": len(user) // 4 + 20,
                    },
                }
                return self._send(200, json.dumps(reply).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
