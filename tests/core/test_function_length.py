#!/usr/bin/env python3
"""Functions fit on a screen: no function in src/**/*.c is longer than
LIMIT lines, counted from the first line of its signature to its closing
brace. A simple brace scan (comments, strings and character constants
blanked first); a top-level `{` opens a function when the text before it
ends with `)` and has no `=` (struct, enum and array initialisers do not
count). A longer function is split into named steps rather than the limit
raised."""
import os
import re
import sys

LIMIT = 80
root = os.environ.get("MW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
src = os.path.join(root, "src")

# comments, string literals and character constants, in one pass so that a
# quote inside a comment (or "/*" inside a string) is not misread
token_re = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def blank(m):
    """Keep the newlines (line numbers stay right), drop everything else."""
    return re.sub(r"[^\n]", " ", m.group(0))


def functions(text):
    """(name, first line, last line) of each function definition, 1-based."""
    code = token_re.sub(blank, text)
    # preprocessor lines (macros may hold braces) count as blank
    code = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", blank, code, flags=re.M)
    lines = code.split("\n")
    out, depth, start = [], 0, None
    for i, line in enumerate(lines):
        for j, ch in enumerate(line):
            if ch == "{":
                if depth == 0:
                    start = signature(lines, i, j)
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0 and start is not None:
                    out.append((start[0], start[1] + 1, i + 1))
                    start = None
    return out


def signature(lines, i, j):
    """(name, first line index) when the `{` at lines[i][j] opens a function,
    else None. The signature runs back to a blank line or the end of the
    previous declaration."""
    head = [lines[i][:j]]
    k = i
    while k > 0:
        prev = lines[k - 1].rstrip()
        if not prev.strip() or prev.endswith((";", "}", "{")):
            break
        k -= 1
        head.insert(0, prev)
    text = " ".join(head).strip()
    if not text.endswith(")") or "=" in text.split("(")[0]:
        return None
    m = re.search(r"(\w+)\s*\(", text)
    return (m.group(1) if m else "?", k)


bad, count = [], 0
for dirpath, _, files in os.walk(src):
    for f in sorted(files):
        if not f.endswith(".c"):
            continue
        path = os.path.join(dirpath, f)
        for name, first, last in functions(open(path, encoding="utf-8").read()):
            count += 1
            n = last - first + 1
            if n > LIMIT:
                bad.append(f"{os.path.relpath(path, root)}:{first}: {name} is {n} lines (limit {LIMIT})")
for b in sorted(bad):
    print(b)
print(f"{count} functions checked, {len(bad)} over {LIMIT} lines")
sys.exit(1 if bad or count == 0 else 0)
