#!/usr/bin/env bash
# Seeds fuzz/corpus/<target> from the repository's fixtures: YAML and JSON files as they are, and
# every embedded script (a leading selector byte: 0 = JSON host, 1 = YAML host) for the `script`
# target. Not from regressions/, whose inputs crash the targets today. The corpus is not
# committed (.gitignore).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/load_yaml corpus/load_json corpus/script
for f in $(find ../fixtures -name '*.yml' -o -name '*.yaml'); do
  cp "$f" "corpus/load_yaml/$(echo "$f" | tr '/.' '__')"
done
for f in $(find ../fixtures -name '*.json'); do
  cp "$f" "corpus/load_json/$(echo "$f" | tr '/.' '__')"
done
python3 - <<'PY'
import glob, json, os
import yaml

def scripts(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "script" and isinstance(v, str):
                yield v
            else:
                yield from scripts(v)
    elif isinstance(node, list):
        for v in node:
            yield from scripts(v)

n = 0
for path in glob.glob("../fixtures/**/*", recursive=True):
    if not path.endswith((".yml", ".yaml", ".json")):
        continue
    try:
        with open(path) as f:
            docs = list(yaml.safe_load_all(f))
    except Exception:
        continue
    for doc in docs:
        for s in scripts(doc):
            for selector in (b"\x00", b"\x01"):
                with open(f"corpus/script/fixture_{n}", "wb") as out:
                    out.write(selector + s.encode())
                n += 1
print(f"{n} script seeds")
PY
for t in load_yaml load_json script; do echo "$t: $(ls corpus/$t | wc -l) seeds"; done
