#!/usr/bin/python3
"""Prepares an English character corpus in the text8 alphabet (a-z and space) for the text experiments.

Sources (Debian packages, installed offline by scripts/setup.sh --data; see docs/data.md):
  kjv       the King James Bible, printed by `bible -f "Gen1:1-Rev22:21"` (package bible-kjv), verse
            references ("Ge1:1 ") removed; public domain text.
  fortunes  every file under /usr/share/games/fortunes (package fortunes), '%' separators removed.
Reduction (text8 convention, as apps/common/text_io.cpp normalize_text8): A-Z lowered, every other byte a
space, runs of spaces collapsed. Split: the text is cut into blocks of --block characters; every --every-th
block (the last of each group) goes to validation, the rest to training, so both halves cover the whole corpus.
Outputs (one line, no newline, so pmm-train's .txt reader sees exactly the 27 symbols):
  OUT/train.txt, OUT/valid.txt, OUT/corpus.json (sizes, source, split, sha256).
Usage: scripts/prepare_text.py [--source kjv|fortunes] [--out DIR] [--block 5000] [--every 20]
"""
import argparse
import glob
import hashlib
import json
import os
import re
import subprocess
import sys


def read_kjv():
    try:
        raw = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"prepare_text.py: --source kjv: cannot run `bible` ({e}); install it: sudo apt-get install -y bible-kjv")
    text = raw.decode("latin-1")
    # Each verse line starts with its reference, e.g. "Ge1:1 " or "1Co13:4 ".
    text = re.sub(r"(?m)^\s*\S*\d+:\d+\s", " ", text)
    return text, "bible -f Gen1:1-Rev22:21 (Debian bible-kjv 4.38)"


def read_fortunes():
    files = sorted(f for f in glob.glob("/usr/share/games/fortunes/*")
                   if os.path.isfile(f) and not f.endswith(".dat") and not os.path.islink(f))
    if not files:
        sys.exit("prepare_text.py: --source fortunes: no files in /usr/share/games/fortunes; "
                 "install them: sudo apt-get install -y fortunes")
    parts = []
    for f in files:
        with open(f, "rb") as fh:
            parts.append(fh.read().decode("latin-1"))
    text = "\n".join(parts)
    text = re.sub(r"(?m)^%\s*$", " ", text)
    return text, f"/usr/share/games/fortunes ({len(files)} files, Debian fortunes)"


def normalize_text8(text):
    out = re.sub(r"[^a-z]+", " ", text.lower())
    return out.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default="kjv", choices=["kjv", "fortunes"])
    ap.add_argument("--out", default="/tmp/text-data")
    ap.add_argument("--block", type=int, default=5000, help="characters per split block")
    ap.add_argument("--every", type=int, default=20, help="one block in EVERY goes to validation")
    a = ap.parse_args()
    if a.block < 1:
        sys.exit("prepare_text.py: --block must be >= 1")
    if a.every < 2:
        sys.exit("prepare_text.py: --every must be >= 2")
    raw, source = read_kjv() if a.source == "kjv" else read_fortunes()
    text = normalize_text8(raw)
    train, valid = [], []
    for i in range(0, len(text), a.block):
        (valid if (i // a.block) % a.every == a.every - 1 else train).append(text[i:i + a.block])
    train, valid = "".join(train), "".join(valid)
    os.makedirs(a.out, exist_ok=True)
    info = {"source": source, "alphabet": "text8 (a-z, space)", "characters": len(text),
            "split": {"block": a.block, "every": a.every, "train": len(train), "valid": len(valid)}}
    for name, body in (("train.txt", train), ("valid.txt", valid)):
        path = os.path.join(a.out, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(body)
        os.replace(tmp, path)
        info[name] = {"bytes": len(body), "sha256": hashlib.sha256(body.encode()).hexdigest(),
                      "symbols": "".join(sorted(set(body)))}
    tmp = os.path.join(a.out, "corpus.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(info, fh, indent=2)
    os.replace(tmp, os.path.join(a.out, "corpus.json"))
    print(f"prepare_text.py: {source}: {len(text)} characters -> train {len(train)}, valid {len(valid)} in {a.out}")


if __name__ == "__main__":
    main()
