#!/usr/bin/env python3
"""A webhook receiver for the tests and benchmarks: it verifies every request's signatures with
Python's own hmac (an implementation independent of the appliance's) and appends one JSON line
per request to DIR/<inbox>.jsonl.

    python3 scripts/webhook_receiver.py DIR [PORT]      # prints the port it listens on

A webhook URL is http://127.0.0.1:PORT/<inbox>/<mode>. The inbox's secret is read from
DIR/<inbox>.secret when it exists (written by the test). Modes:
    ok                  200
    fail-N              500 for the first N attempts of each event id, then 200
    status-CODE         always CODE (410, 302 with a Location, 400, ...)
    hang                never answers (until the client gives up)
    slow-S              answers 200 after S seconds
    retry-after-S       429 with Retry-After: S for the first attempt of each event id, then 200
"""
import base64, hashlib, hmac, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
lock = threading.Lock()
seen = {}  # (inbox, event id) -> attempts received


def verify(secret, headers, body):
    """(GitHub-style signature valid, Standard Webhooks signature valid or None)"""
    if secret is None:
        return None, None
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    github = hmac.compare_digest(expected, headers.get("X-Webhook-Signature", ""))
    standard = None
    if secret.startswith("whsec_"):
        key = base64.b64decode(secret[len("whsec_"):])
        content = f'{headers.get("webhook-id", "")}.{headers.get("webhook-timestamp", "")}.'.encode() + body
        digest = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
        given = [part.split(",", 1)[1] for part in headers.get("webhook-signature", "").split() if part.startswith("v1,")]
        standard = any(hmac.compare_digest(digest, g) for g in given)
    return github, standard


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        parts = self.path.strip("/").split("/")
        inbox, mode = parts[0], (parts[1] if len(parts) > 1 else "ok")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        secret_path = os.path.join(DIR, inbox + ".secret")
        secret = open(secret_path).read() if os.path.exists(secret_path) else None
        github, standard = verify(secret, self.headers, body)
        event_id = self.headers.get("X-Webhook-Id", "")
        with lock:
            seen[(inbox, event_id)] = seen.get((inbox, event_id), 0) + 1
            received = seen[(inbox, event_id)]
        record = {
            "event_id": event_id, "event": self.headers.get("X-Webhook-Event"), "delivery": self.headers.get("X-Webhook-Delivery"),
            "attempt": int(self.headers.get("X-Webhook-Attempt", "0")), "timestamp": self.headers.get("X-Webhook-Timestamp"),
            "user_agent": self.headers.get("User-Agent"), "custom": self.headers.get("X-Custom"), "signature_valid": github,
            "standard_valid": standard, "received_at": time.time(), "mode": mode, "body": json.loads(body or b"null"),
        }
        with lock:
            with open(os.path.join(DIR, inbox + ".jsonl"), "a") as log:
                log.write(json.dumps(record) + "\n")
        status, extra = 200, {}
        if mode.startswith("fail-") and received <= int(mode[5:]):
            status = 500
        elif mode.startswith("status-"):
            status = int(mode[7:])
            if 300 <= status < 400:
                extra["Location"] = "/" + inbox + "/ok"
        elif mode == "hang":
            time.sleep(3600)
        elif mode.startswith("slow-"):
            time.sleep(float(mode[5:]))
        elif mode.startswith("retry-after-") and received == 1:
            status, extra = 429, {"Retry-After": mode[len("retry-after-"):]}
        reply = json.dumps({"received": event_id}).encode()
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
