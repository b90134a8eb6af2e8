#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A loopback token server for distribution's `auth: token`: RS256 JWTs with an x5c header
# (the signing certificate is the registry's rootcertbundle). Authenticated users get the
# actions they ask for; anonymous requests get pull only. Prints its port on stdout.
import argparse, base64, http.server, json, subprocess, sys, time, urllib.parse, uuid

ap = argparse.ArgumentParser()
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--issuer", required=True)
ap.add_argument("--service", required=True)
ap.add_argument("--user", required=True, help="USER:PASSWORD")
ap.add_argument("--log", required=True)
args = ap.parse_args()
USER, PASSWORD = args.user.split(":", 1)
with open(args.cert) as f:
    pem = f.read()
X5C = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload):
    header = {"alg": "RS256", "typ": "JWT", "x5c": [X5C]}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key],
                         input=signing_input.encode(), capture_output=True, check=True).stdout
    return signing_input + "." + b64(sig)


def parse_scope(s):
    first, last = s.find(":"), s.rfind(":")
    if first < 0 or first == last:
        return None
    return {"type": s[:first], "name": s[first + 1:last], "actions": s[last + 1:].split(",")}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def issue(self, params, user, method):
        scopes = params.get("scope", [])
        with open(args.log, "a") as f:
            f.write("%s user=%s scope=%s\n" % (method, user or "-", " ".join(scopes)))
        access = []
        for s in scopes:
            for one in s.split(" "):
                p = parse_scope(one)
                if p:
                    if not user:
                        p["actions"] = [a for a in p["actions"] if a == "pull"]
                    access.append(p)
        now = int(time.time())
        claims = {"iss": args.issuer, "sub": user or "", "aud": params.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()),
                  "access": access}
        token = sign(claims)
        body = {"token": token, "access_token": token, "expires_in": 300,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
        if user and params.get("offline_token", [""])[0] == "true":
            body["refresh_token"] = "refresh-" + user
        self.answer(200, body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        params = urllib.parse.parse_qs(url.query)
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
            if (u, p) != (USER, PASSWORD):
                with open(args.log, "a") as f:
                    f.write("GET refused user=%s\n" % u)
                return self.answer(401, {"errors": [{"code": "UNAUTHORIZED",
                                                     "message": "wrong user name or password"}]})
            user = u
        self.issue(params, user, "GET")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        grant = form.get("grant_type", [""])[0]
        user = None
        if grant == "refresh_token" and form.get("refresh_token", [""])[0] == "refresh-" + USER:
            user = USER
        elif grant == "password" and form.get("username", [""])[0] == USER and \
                form.get("password", [""])[0] == PASSWORD:
            user = USER
        if not user:
            with open(args.log, "a") as f:
                f.write("POST refused grant=%s\n" % grant)
            return self.answer(401, {"errors": [{"code": "UNAUTHORIZED",
                                                 "message": "invalid grant"}]})
        form.setdefault("offline_token", ["true"])
        self.issue(form, user, "POST")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
