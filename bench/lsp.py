#!/usr/bin/env python3
"""Times `authlint server` as an editor sees it (standard library only; see bench/lsp.sh).

    lsp.py AUTHLINT WORKSPACE_1000 WORKSPACE_10000 [EDITS]

- initial load: `initialize` sent -> every diagnostic of the workspace published (the server's
  "analysed ..." log line ends each check), for both workspaces;
- one application: `didChange` of an application file (adding or removing an option with an
  unknown IdP, so that its findings change every time) -> its `publishDiagnostics`;
- one IdP: `didChange` turning JIT on or off in the IdP used by the most applications (at least
  500) -> the end of the check, with every changed file published;
- memory: the server's resident set size after 200 warm-up edits and after EDITS (10,000) more
  edits of the application, each awaited.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time


class Server:
    def __init__(self, binary, root):
        self.root = os.path.abspath(root)
        self.proc = subprocess.Popen([binary, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0

    def uri(self, path):
        return "file://" + os.path.abspath(path)

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def until(self, wanted):
        """Reads messages until one satisfies `wanted`; returns it and how many were publishes."""
        published = 0
        while True:
            message = self.read()
            if message.get("method") == "textDocument/publishDiagnostics":
                published += 1
            if wanted(message):
                return message, published

    def checked(self, message):
        return message.get("method") == "window/logMessage" and \
            message["params"]["message"].startswith("analysed")

    def initialize(self):
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"processId": None, "rootUri": self.uri(self.root), "capabilities": {}}})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return self.until(self.checked)

    def change(self, path, version, text):
        self.send({"jsonrpc": "2.0", "method": "textDocument/didChange",
                   "params": {"textDocument": {"uri": self.uri(path), "version": version},
                              "contentChanges": [{"text": text}]}})

    def open(self, path, text):
        self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                   "params": {"textDocument": {"uri": self.uri(path), "languageId": "yaml", "version": 1,
                                               "text": text}}})

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.send({"jsonrpc": "2.0", "id": 99, "method": "shutdown"})
        self.until(lambda m: m.get("id") == 99)
        self.send({"jsonrpc": "2.0", "method": "exit"})
        return self.proc.wait(timeout=30)


def median_ms(samples):
    return f"median {statistics.median(samples) * 1000:.1f} ms, p90 " \
           f"{sorted(samples)[int(len(samples) * 0.9)] * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms " \
           f"({len(samples)} runs)"


def initial_load(binary, root):
    start = time.perf_counter()
    server = Server(binary, root)
    message, published = server.initialize()
    elapsed = time.perf_counter() - start
    print(f"initial load of {root}: {elapsed * 1000:.0f} ms ({message['params']['message']})")
    return server


def most_used_idp(root):
    """The IdP named in the options of the most application files, and how many."""
    uses = {}
    apps = os.path.join(root, "Applications")
    for name in os.listdir(apps):
        with open(os.path.join(apps, name)) as f:
            for idp in set(re.findall(r"- idp: (\S+)", f.read())) - {"LOCAL"}:
                uses[idp] = uses.get(idp, 0) + 1
    idp = max(sorted(uses), key=lambda i: uses[i])
    return idp, uses[idp]


def main():
    binary, small, large = sys.argv[1:4]
    edits = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    initial_load(binary, large).stop()
    server = initial_load(binary, small)

    # One application: an option with an unknown IdP comes and goes.
    apps = os.path.join(small, "Applications")
    app = os.path.join(apps, sorted(os.listdir(apps))[0])
    text = open(app).read()
    anchor = "      options:\n"
    assert anchor in text, app
    broken = text.replace(anchor, anchor + "        - idp: No-Such-IdP\n          authenticator: X\n", 1)
    server.open(app, text)  # the text on disk: nothing to check
    uri = server.uri(app)
    version = 1

    def edit_app():
        nonlocal version
        version += 1
        server.change(app, version, broken if version % 2 == 0 else text)
        start = time.perf_counter()
        server.until(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
        elapsed = time.perf_counter() - start
        server.until(server.checked)
        return elapsed

    samples = [edit_app() for _ in range(200)]
    print(f"didChange of one application -> its publishDiagnostics: {median_ms(samples)}")

    # One IdP used by many applications: JIT on, off.
    idp, used_by = most_used_idp(small)
    idp_file = os.path.join(small, "IdentityProviders", idp + ".yml")
    idp_text = open(idp_file).read()
    jit = re.search(r"jit:\n\s+isEnabled: (true|false)", idp_text)
    assert jit, idp_file
    flipped = "false" if jit.group(1) == "true" else "true"
    idp_other = idp_text[:jit.start(1)] + flipped + idp_text[jit.end(1):]
    server.open(idp_file, idp_text)
    idp_samples = []
    for i in range(30):
        server.change(idp_file, i + 2, idp_other if i % 2 == 0 else idp_text)
        start = time.perf_counter()
        message, published = server.until(server.checked)
        idp_samples.append(time.perf_counter() - start)
    print(f"didChange of {idp} (used by {used_by} applications) -> all published: {median_ms(idp_samples)}; "
          f"last: {message['params']['message']}")

    before = server.rss_kib()
    start = time.perf_counter()
    for _ in range(edits):
        edit_app()
    print(f"{edits} awaited edits in {time.perf_counter() - start:.1f} s; resident set: {before} KiB after "
          f"200 edits, {server.rss_kib()} KiB after {edits} more")
    status = server.stop()
    print(f"shutdown + exit: status {status}")


if __name__ == "__main__":
    main()
