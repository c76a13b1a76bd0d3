#!/usr/bin/env python3
"""Validate the blind gold set and print its counts as a Markdown table.

Usage (from this folder):  python count.py
Reads the known code ids from definitions.md, then every tuning/*.yaml and
test/*.yaml. Exits 1 when a file breaks a rule (problems are listed first).
Python 3 standard library + PyYAML.
"""
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
HALVES = ("tuning", "test")
LANGS = ("en", "vi", "mixed")
KINDS = ("interview", "focus group")
INTERVIEWER = "Interviewer"
ID_RE = re.compile(r"^GT-(IDI|FGD)-\d\d$")


def known_codes():
    text = (HERE / "definitions.md").read_text(encoding="utf-8")
    ids = re.findall(r"^#{2,3} `([a-z_.]+)`", text, flags=re.M)
    if not ids:
        sys.exit("no code ids found in definitions.md")
    return ids


def theme(code):
    return code.split(".", 1)[0]


def check_text(where, value, problems):
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: empty or non-string text")
        return
    if unicodedata.normalize("NFC", value) != value:
        problems.append(f"{where}: text is not NFC")
    if "\n" in value.strip():
        problems.append(f"{where}: text spans several lines")


def main():
    codes = known_codes()
    code_set = set(codes)
    themes = list(dict.fromkeys(theme(c) for c in codes))
    problems = []
    seen_ids = {}
    stats = {h: {"docs": 0, "kinds": Counter(), "turns": 0, "langs": Counter(),
                 "codes": Counter(), "themes": Counter(), "empty": 0,
                 "multi": 0, "parent_child": 0, "interviewer": 0} for h in HALVES}

    for half in HALVES:
        files = sorted((HERE / half).glob("*.yaml"))
        for path in files:
            where = f"{half}/{path.name}"
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{where}: not UTF-8")
                continue
            if unicodedata.normalize("NFC", text) != text:
                problems.append(f"{where}: file is not NFC")
            doc = yaml.safe_load(text)
            if not isinstance(doc, dict):
                problems.append(f"{where}: not a mapping")
                continue
            did = doc.get("document")
            if not isinstance(did, str) or not ID_RE.match(did):
                problems.append(f"{where}: bad document id {did!r}")
            elif did in seen_ids:
                problems.append(f"{where}: duplicate document id {did} (also {seen_ids[did]})")
            else:
                seen_ids[did] = where
            if did and path.stem != did:
                problems.append(f"{where}: file name does not match document id {did}")
            kind = doc.get("kind")
            if kind not in KINDS:
                problems.append(f"{where}: bad kind {kind!r}")
            if did and kind and ID_RE.match(did):
                if ("IDI" in did) != (kind == "interview"):
                    problems.append(f"{where}: id {did} does not match kind {kind}")
            lang = doc.get("language")
            if lang not in LANGS:
                problems.append(f"{where}: bad language {lang!r}")
            if not isinstance(doc.get("site"), str):
                problems.append(f"{where}: missing site")
            parts = doc.get("participants")
            if not isinstance(parts, dict) or not parts:
                problems.append(f"{where}: missing participants")
                parts = {}
            if INTERVIEWER in parts:
                problems.append(f"{where}: the interviewer is listed as a participant")
            turns = doc.get("turns")
            if not isinstance(turns, list) or not turns:
                problems.append(f"{where}: no turns")
                continue
            st = stats[half]
            st["docs"] += 1
            st["kinds"][kind] += 1
            spoke = set()
            for i, turn in enumerate(turns, 1):
                tw = f"{where} turn {i}"
                if not isinstance(turn, dict):
                    problems.append(f"{tw}: not a mapping")
                    continue
                extra = set(turn) - {"speaker", "text", "codes"}
                if extra:
                    problems.append(f"{tw}: unknown keys {sorted(extra)}")
                spk = turn.get("speaker")
                check_text(tw, turn.get("text"), problems)
                if spk == INTERVIEWER:
                    st["interviewer"] += 1
                    if "codes" in turn:
                        problems.append(f"{tw}: interviewer turn has codes")
                    continue
                if spk not in parts:
                    problems.append(f"{tw}: speaker {spk!r} not in participants")
                spoke.add(spk)
                if "codes" not in turn or not isinstance(turn["codes"], list):
                    problems.append(f"{tw}: respondent turn without a codes list")
                    continue
                tc = turn["codes"]
                if len(set(tc)) != len(tc):
                    problems.append(f"{tw}: repeated code")
                for c in tc:
                    if c not in code_set:
                        problems.append(f"{tw}: unknown code {c!r}")
                if any("." not in c and any(o.startswith(c + ".") for o in tc) for c in tc):
                    st["parent_child"] += 1
                st["turns"] += 1
                st["langs"][lang] += 1
                if not tc:
                    st["empty"] += 1
                if len(tc) > 1:
                    st["multi"] += 1
                for c in set(tc):
                    st["codes"][c] += 1
                for t in {theme(c) for c in tc}:
                    st["themes"][t] += 1
            silent = set(parts) - spoke
            if silent:
                problems.append(f"{where}: participants who never speak: {sorted(silent)}")

    if problems:
        print("PROBLEMS:")
        for p in problems:
            print("-", p)
        print()

    def row(label, key, fmt=lambda v: str(v)):
        vals = [key(stats[h]) for h in HALVES]
        total = sum(vals)
        return f"| {label} | " + " | ".join(fmt(v) for v in vals) + f" | {fmt(total)} |"

    out = ["| count | tuning | test | total |", "|---|---:|---:|---:|"]
    out.append(row("documents", lambda s: s["docs"]))
    for k in KINDS:
        out.append(row(f"documents: {k}", lambda s, k=k: s["kinds"][k]))
    out.append(row("interviewer turns", lambda s: s["interviewer"]))
    out.append(row("respondent turns", lambda s: s["turns"]))
    for lg in LANGS:
        out.append(row(f"respondent turns in `{lg}`", lambda s, lg=lg: s["langs"][lg]))
    out.append(row("turns with no code", lambda s: s["empty"]))
    out.append(row("turns with 2+ codes", lambda s: s["multi"]))
    out.append(row("turns with a parent and its child", lambda s: s["parent_child"]))
    for t in themes:
        out.append(row(f"**theme `{t}`** (code or any child)", lambda s, t=t: s["themes"][t]))
        for c in codes:
            if theme(c) == t:
                out.append(row(f"`{c}`", lambda s, c=c: s["codes"][c]))
    print("\n".join(out))
    tot = sum(stats[h]["turns"] for h in HALVES)
    if tot:
        print()
        print("languages (share of respondent turns): " + ", ".join(
            f"{lg} {100 * sum(stats[h]['langs'][lg] for h in HALVES) / tot:.0f}%" for lg in LANGS)
            + f"; no code {100 * sum(stats[h]['empty'] for h in HALVES) / tot:.0f}%")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
