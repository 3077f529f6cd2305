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
    big-N               200 with a body of N bytes
    slowbody-S          200: the head at once, the body S seconds later

One asyncio loop serves every connection (HTTP/1.1 keep-alive), so the receiver is not what
limits a benchmark: a thread per connection under the GIL answered ~3,000 requests/s at best.
"""
import asyncio, base64, hashlib, hmac, json, os, sys, time
from http import HTTPStatus

DIR = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
seen = {}  # (inbox, event id) -> attempts received
secrets = {}  # inbox -> (the secret file's mtime, the secret)
logs = {}  # inbox -> open log file


def verify(secret, headers, body):
    """(GitHub-style signature valid, Standard Webhooks signature valid or None)"""
    if secret is None:
        return None, None
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    github = hmac.compare_digest(expected, headers.get("x-webhook-signature", ""))
    standard = None
    if secret.startswith("whsec_"):
        key = base64.b64decode(secret[len("whsec_"):])
        content = f'{headers.get("webhook-id", "")}.{headers.get("webhook-timestamp", "")}.'.encode() + body
        digest = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
        given = [part.split(",", 1)[1] for part in headers.get("webhook-signature", "").split() if part.startswith("v1,")]
        standard = any(hmac.compare_digest(digest, g) for g in given)
    return github, standard


def secret_of(inbox):
    """The inbox's secret, read again when its file changes (a rotation)."""
    path = os.path.join(DIR, inbox + ".secret")
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None
    if secrets.get(inbox, (None,))[0] != mtime:
        secrets[inbox] = (mtime, open(path).read())
    return secrets[inbox][1]


def log(inbox, record):
    if inbox not in logs:
        logs[inbox] = open(os.path.join(DIR, inbox + ".jsonl"), "a")
    logs[inbox].write(json.dumps(record) + "\n")
    logs[inbox].flush()  # whole lines: the tests read the file while requests arrive


async def answer(path, headers, body):
    """(status, extra headers) for one request, after recording it."""
    parts = path.strip("/").split("/")
    inbox, mode = parts[0], (parts[1] if len(parts) > 1 else "ok")
    github, standard = verify(secret_of(inbox), headers, body)
    event_id = headers.get("x-webhook-id", "")
    seen[(inbox, event_id)] = received = seen.get((inbox, event_id), 0) + 1
    log(inbox, {
        "event_id": event_id, "event": headers.get("x-webhook-event"), "delivery": headers.get("x-webhook-delivery"),
        "attempt": int(headers.get("x-webhook-attempt", "0")), "timestamp": headers.get("x-webhook-timestamp"),
        "user_agent": headers.get("user-agent"), "custom": headers.get("x-custom"), "signature_valid": github,
        "standard_valid": standard, "received_at": time.time(), "mode": mode, "body": json.loads(body or b"null"),
    })
    if mode.startswith("fail-") and received <= int(mode[5:]):
        return 500, {}
    if mode.startswith("status-"):
        status = int(mode[7:])
        return status, ({"Location": "/" + inbox + "/ok"} if 300 <= status < 400 else {})
    if mode == "hang":
        await asyncio.sleep(3600)
    elif mode.startswith("slow-"):
        await asyncio.sleep(float(mode[5:]))
    elif mode.startswith("retry-after-") and received == 1:
        return 429, {"Retry-After": mode[len("retry-after-"):]}
    return 200, {}


def phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, extra = await answer(path, headers, body)
            mode = path.strip("/").split("/")[-1]
            if mode.startswith("big-"):
                reply = b"x" * int(mode[4:])
            else:
                reply = json.dumps({"received": headers.get("x-webhook-id", "")}).encode()
            response = [f"HTTP/1.1 {status} {phrase(status)}", "Content-Type: application/json", f"Content-Length: {len(reply)}"]
            response += [f"{name}: {value}" for name, value in extra.items()]
            writer.write(("\r\n".join(response) + "\r\n\r\n").encode())
            if mode.startswith("slowbody-"):
                await writer.drain()
                await asyncio.sleep(float(mode[9:]))
            writer.write(reply)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", PORT)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
