#!/usr/bin/env python3
"""ABI hygiene of the shared library (argv[1]): exactly the functions the
public headers (argv[2], include/minewatch) declare with MW_API are
exported, every function those headers declare carries MW_API, the
library has a soname, and nothing else leaks (internals are mw_* too)."""
import glob
import os
import re
import subprocess
import sys

lib, incdir = sys.argv[1], sys.argv[2]

# Symbols any ELF shared object defines, and the lock of a named OpenMP
# critical section (GOMP needs it global to share it between objects).
ALLOWED = re.compile(r"^(__bss_start|_edata|_end|_init|_fini|\.gomp_critical_user_\w+)$")

out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True,
                     text=True).stdout
exported = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}

declared, unmarked = set(), []
decl = re.compile(r"^(MW_API\s+)?[A-Za-z_][\w\s\*]*?\b(mw_\w+)\s*\(", re.M)
for path in sorted(glob.glob(os.path.join(incdir, "*.h"))):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments
    for m in decl.finditer(text):
        line = text[m.start():text.index("\n", m.start())]
        if line.lstrip().startswith(("typedef", "#")):
            continue
        if m.group(1):
            declared.add(m.group(2))
        else:
            unmarked.append(f"{os.path.basename(path)}: {m.group(2)} has no MW_API")

problems = list(unmarked)
for s in sorted(exported - declared):
    if not ALLOWED.match(s):
        problems.append(f"exported but not public: {s}")
for s in sorted(declared - exported):
    problems.append(f"declared MW_API but not exported: {s}")

dyn = subprocess.run(["readelf", "-d", lib], check=True, capture_output=True, text=True).stdout
soname = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", dyn)
if not soname:
    problems.append("no SONAME")
elif not re.fullmatch(r"libminewatch\.so\.\d+", soname.group(1)):
    problems.append(f"unexpected SONAME {soname.group(1)}")

for p in problems:
    print(p)
print(f"{len(declared)} public functions, {len(exported)} exported symbols, "
      f"soname {soname.group(1) if soname else None}; {len(problems)} problems")
sys.exit(1 if problems else 0)
