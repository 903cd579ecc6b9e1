"""Local servers standing in for an SMS gateway or a mail server: the outside world, and only that, is faked."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    """Answers each POST with the next of `answers` ((status, json body)); the last one repeats."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []  # [(path, headers, json body)]
        self.answered = []  # [(json body, status)], in the order the answers went out
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"null")
                gateway.requests.append((self.path, dict(self.headers), body))
                status, answer = gateway.answers[0] if len(gateway.answers) == 1 else gateway.answers.pop(0)
                gateway.answered.append((body, status))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """A server that accepts TCP connections and never says a word: a hung SMS gateway or SMTP
    server. The connections stay open until the server is closed, so clients wait on a read."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)  # so the thread sees `stopped` soon after the test ends
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.accept, daemon=True)

    def accept(self):
        while not self.stopped.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.listener.close()
        for connection in self.connections:
            connection.close()
