#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A loopback TCP proxy in front of a registry that injects faults, one HTTP request per
# connection. Rules (JSON list, first match wins, each used `times` times, -1 = always):
#   {"method": "GET", "path": "/blobs/", "action": "drop", "after": 100000, "times": 1}
#       forward the answer but cut the connection after `after` body bytes
#   {"action": "status", "code": 500, "times": 2, "retry_after": 1}
#       answer with that status instead of forwarding
#   {"path": "/blobs/", "action": "stall", "after": 1000, "times": 1}
#       forward `after` body bytes, then hold the connection without sending anything
#   {"method": "GET", "path": "/blobs/", "action": "delay", "seconds": 1}
#       hold the request `seconds` before forwarding it; its log line says how many
#       requests were being held at that moment ("held=N"): overlapping transfers
#   {"method": "GET", "path": "/blobs/", "action": "norange", "times": 1}
#       forward the request without its Range header: a server that ignores Range (200, whole blob)
#   {"action": "chunked", "path": "/manifests/"}
#       forward the answer without Content-Length (chunked): only a reader's own cap stops it
# Prints its port on stdout; logs one line per request.
import argparse, json, socket, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--upstream", type=int, required=True)
ap.add_argument("--rules", default="[]")
ap.add_argument("--log", required=True)
args = ap.parse_args()
rules = json.loads(args.rules)
lock = threading.Lock()
held = 0


def log(line):
    with lock, open(args.log, "a") as f:
        f.write(line + "\n")


def pick(method, path):
    with lock:
        for r in rules:
            if r.get("times", -1) == 0:
                continue
            if r.get("method") and r["method"] != method:
                continue
            if r.get("path") and r["path"] not in path:
                continue
            if r.get("times", -1) > 0:
                r["times"] -= 1
            return r
    return None


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def dechunk(up, client):
    """Forward the upstream answer with its Content-Length replaced by chunked encoding."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = up.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"content-length:")]
    client.sendall(b"\r\n".join(lines + [b"Transfer-Encoding: chunked"]) + b"\r\n\r\n")
    while True:
        if body:
            client.sendall(b"%x\r\n" % len(body) + body + b"\r\n")
        body = up.recv(65536)
        if not body:
            break
    client.sendall(b"0\r\n\r\n")


def serve(client):
    try:
        head, rest = read_head(client)
        if head is None:
            return
        lines = head.split(b"\r\n")
        method, path = lines[0].split(b" ")[0].decode(), lines[0].split(b" ")[1].decode()
        headers = [l for l in lines[1:] if not l.lower().startswith(b"connection:")]
        length = 0
        for l in headers:
            if l.lower().startswith(b"content-length:"):
                length = int(l.split(b":", 1)[1])
        while len(rest) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            rest += chunk
        rule = pick(method, path)
        rng = [l.split(b":", 1)[1].strip().decode() for l in headers
               if l.lower().startswith(b"range:")]
        global held
        if rule and rule["action"] == "delay":
            with lock:
                held += 1
                now = held
        log("%s %s %s%s%s" % (method, path.split("?")[0], rule["action"] if rule else "pass",
                              " range=" + rng[0] if rng else "",
                              " held=%d" % now if rule and rule["action"] == "delay" else ""))
        if rule and rule["action"] == "delay":
            time.sleep(rule.get("seconds", 1))
            with lock:
                held -= 1
        if rule and rule["action"] == "status":
            body = b'{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}'
            extra = "Retry-After: %d\r\n" % rule["retry_after"] if "retry_after" in rule else ""
            client.sendall(("HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\n"
                            "Content-Length: %d\r\n%sConnection: close\r\n\r\n"
                            % (rule["code"], len(body), extra)).encode() + body)
            return
        if rule and rule["action"] == "norange":
            headers = [l for l in headers if not l.lower().startswith(b"range:")]
        up = socket.create_connection(("127.0.0.1", args.upstream))
        up.sendall(b"\r\n".join([lines[0]] + headers + [b"Connection: close"]) + b"\r\n\r\n"
                   + rest)
        if rule and rule["action"] == "chunked":
            dechunk(up, client)
            up.close()
            return
        limit = rule.get("after") if rule else None
        sent_body = 0
        in_body = False
        buf = b""
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            if limit is None:
                client.sendall(chunk)
                continue
            if not in_body:
                buf += chunk
                if b"\r\n\r\n" not in buf:
                    continue
                h, _, chunk = buf.partition(b"\r\n\r\n")
                client.sendall(h + b"\r\n\r\n")
                in_body = True
            take = chunk[:max(0, limit - sent_body)]
            client.sendall(take)
            sent_body += len(take)
            if sent_body >= limit:
                if rule["action"] == "stall":
                    time.sleep(rule.get("seconds", 3600))
                break
        up.close()
    except (OSError, ValueError, IndexError):
        pass
    finally:
        try:
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        client.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)
while True:
    c, _ = listener.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
