#!/usr/bin/env python3
"""Folders keep to their jobs: a module reaches another module only through
that module's interface header, src/<module>/mw_<module>.h (core's headers
are everyone's), and the headers under include/ are the only public ones.
Private headers (every other header of a folder) stay inside their folder.
Tests may reach internals; the library may not."""
import os
import re
import sys

root = os.environ.get("MW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
src = os.path.join(root, "src")
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
bad = []
modules = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
for mod in modules:
    for dirpath, _, files in os.walk(os.path.join(src, mod)):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            text = open(path, encoding="utf-8").read()
            for name in inc_re.findall(text):
                if ".." in name.split("/"):
                    bad.append(f"{path}: relative include \"{name}\"")
                    continue
                parts = name.split("/")
                if len(parts) == 1 or parts[0] in ("minewatch", mod):
                    continue  # own folder, or the public API
                other = parts[0]
                if other not in modules:
                    bad.append(f"{path}: include \"{name}\" of no module")
                elif other == "core":
                    continue
                elif parts[1] != f"mw_{other}.h":
                    bad.append(f"{path}: includes \"{name}\", private to src/{other}/ "
                               f"(use src/{other}/mw_{other}.h)")
for mod in modules:
    if mod in ("core", "cli", "python"):  # python: the ctypes module, no C
        continue
    if not os.path.exists(os.path.join(src, mod, f"mw_{mod}.h")):
        bad.append(f"src/{mod}/: no interface header mw_{mod}.h")
for b in bad:
    print(b)
print(f"{len(modules)} modules checked, {len(bad)} problems")
sys.exit(1 if bad else 0)
