#!/usr/bin/env python3
"""Brings translations/*.ts up to date with the tr() texts of ui/ and app/, in seconds.

The CMake target update_translations runs lupdate over the project's compile commands, which
parses LibTorch's headers and took over ten minutes here. lupdate's own C++ parser, run on the
sources alone, takes a fraction of a second but does not resolve `namespace dermsam`, so its
class contexts come out unqualified: this script qualifies them as DESIGN.md says every class
is in that namespace, then merges into each .ts file: translations of texts that still exist are
kept, texts that no longer exist are dropped, a text that moved to another class keeps its
translation, other new texts are added as unfinished and listed.

    tools/update-translations.py            # update, list what needs translating
    tools/update-translations.py --check    # exit 1 if a .ts file is out of date
"""
import copy
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUPDATE = "/usr/lib/qt6/bin/lupdate"
UNQUALIFIED_OK = {"main"}  # QApplication::translate("main", ...) in ui/application.cpp


def source_messages():
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fresh.ts"
        subprocess.run([LUPDATE, "-silent", "-locations", "none", "-no-obsolete",
                        str(ROOT / "ui"), str(ROOT / "app"), "-ts", str(out)],
                       check=True, stderr=subprocess.DEVNULL)
        tree = ET.parse(out)
    messages = []
    for ctx in tree.getroot().iter("context"):
        name = ctx.findtext("name")
        if "::" not in name and name not in UNQUALIFIED_OK:
            name = "dermsam::" + name
        for msg in ctx.iter("message"):
            messages.append((name, msg.findtext("source"), msg.get("numerus") == "yes"))
    return messages


def merge(ts_path, messages, check):
    tree = ET.parse(ts_path)
    root = tree.getroot()
    existing = {}
    for ctx in root.iter("context"):
        for msg in ctx.iter("message"):
            existing[(ctx.findtext("name"), msg.findtext("source"))] = msg
    wanted = {(c, s) for c, s, _ in messages}
    stale = [k for k in existing if k not in wanted]
    missing = [(c, s, n) for c, s, n in messages if (c, s) not in existing]
    # A text that left one class for another (a refactoring) keeps its finished translation.
    moved = {}
    for key in stale:
        tr = existing[key].find("translation")
        if tr is not None and tr.get("type") not in ("unfinished", "obsolete", "vanished"):
            moved.setdefault(key[1], existing[key])
    if check:
        return not stale and not missing
    new_root = ET.Element("TS", root.attrib)
    contexts = {}
    for c, s, numerus in messages:
        if c not in contexts:
            ctx = ET.SubElement(new_root, "context")
            ET.SubElement(ctx, "name").text = c
            contexts[c] = ctx
        if (c, s) in existing:
            contexts[c].append(existing[(c, s)])
        elif s in moved:
            contexts[c].append(copy.deepcopy(moved[s]))
        else:
            msg = ET.SubElement(contexts[c], "message")
            if numerus:
                msg.set("numerus", "yes")
            ET.SubElement(msg, "source").text = s
            tr = ET.SubElement(msg, "translation", {"type": "unfinished"})
            if numerus:
                ET.SubElement(tr, "numerusform")
                ET.SubElement(tr, "numerusform")
    ET.indent(new_root, space="    ")
    ET.ElementTree(new_root).write(ts_path, encoding="utf-8", xml_declaration=True)
    with open(ts_path, "a", encoding="utf-8") as f:
        f.write("\n")
    unfinished = [(c, s) for c, s, _ in missing if s not in moved]
    print(f"{ts_path.name}: {len(missing) - len(unfinished)} moved, {len(unfinished)} new, "
          f"{len(stale)} dropped")
    for c, s in unfinished:
        print(f"  unfinished: [{c}] {s!r}")
    return True


def main():
    check = "--check" in sys.argv
    messages = source_messages()
    ok = all(merge(ts, messages, check) for ts in sorted((ROOT / "translations").glob("*.ts")))
    if check and not ok:
        print("translations are out of date: run tools/update-translations.py", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
