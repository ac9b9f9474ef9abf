# SPDX-License-Identifier: BSD-3-Clause
"""A strict parser of the Prometheus text exposition format 0.0.4.

parse(text) -> {family: {"type": T, "help": H, "samples": {(name, labels): value}}}
where labels is a sorted tuple of (name, value). Raises ValueError on anything
the format does not allow, or that Prometheus would reject or misread:
  - a sample before its family's TYPE line, TYPE or HELP given twice,
    HELP/TYPE after the family's samples, a family's samples not contiguous;
  - bad metric or label names, a label name twice, bad escapes, unquoted
    values, a value that is not a float, a duplicate series;
  - a counter family not named *_total (OpenMetrics' rule, kept here);
  - a missing final newline, blank or stray lines.
"""
import math
import re

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = ("counter", "gauge", "summary", "histogram", "untyped")


def _unescape(s, allowed):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in allowed:
                raise ValueError("bad escape in %r" % s)
            out.append({"\\": "\\", "n": "\n", '"': '"'}[s[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _labels(s, line):
    """'a="x",b="y"' -> tuple of pairs, in order."""
    pairs, i = [], 0
    while i < len(s):
        m = re.match(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"", s[i:])
        if not m:
            raise ValueError("bad label at %r in line %r" % (s[i:], line))
        name = m.group(1)
        i += m.end()
        j = i
        while j < len(s) and s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        if j >= len(s):
            raise ValueError("unterminated label value in %r" % line)
        pairs.append((name, _unescape(s[i:j], '\\n"')))
        i = j + 1
        if i < len(s):
            if s[i] != ",":
                raise ValueError("expected ',' in labels of %r" % line)
            i += 1
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("label given twice in %r" % line)
    return tuple(pairs)


def _value(v, line):
    if v in ("+Inf", "-Inf", "NaN"):
        return float(v.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.match(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z", v):
        raise ValueError("bad value %r in %r" % (v, line))
    f = float(v)
    if math.isinf(f):
        raise ValueError("overflowing value in %r" % line)
    return f


def parse(text):
    if not text.endswith("\n"):
        raise ValueError("no final newline")
    fams, order, done = {}, [], set()
    cur = None
    for line in text[:-1].split("\n"):
        if line == "":
            raise ValueError("blank line")
        if line.startswith("#"):
            m = re.match(r"# (HELP|TYPE) (\S+) ?(.*)\Z", line)
            if not m:
                raise ValueError("stray comment %r" % line)
            kind, name, rest = m.groups()
            if not NAME.match(name):
                raise ValueError("bad metric name %r" % name)
            if name in done:
                raise ValueError("%s of %s after its samples" % (kind, name))
            f = fams.setdefault(name, {"type": None, "help": None, "samples": {}})
            if name not in order:
                order.append(name)
            if cur is not None and cur != name:
                done.add(cur)
            cur = name
            if kind == "HELP":
                if f["help"] is not None:
                    raise ValueError("HELP of %s twice" % name)
                f["help"] = _unescape(rest, "\\n")
            else:
                if f["type"] is not None:
                    raise ValueError("TYPE of %s twice" % name)
                if rest not in TYPES:
                    raise ValueError("bad type %r" % rest)
                f["type"] = rest
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?\Z", line)
        if not m:
            raise ValueError("bad sample line %r" % line)
        name, _, lab, val, _ts = m.groups()
        if name != cur or name not in fams or fams[name]["type"] is None:
            raise ValueError("sample %r outside its family (TYPE first, contiguous)" % line)
        labels = _labels(lab, line) if lab else ()
        key = (name, tuple(sorted(labels)))
        if key in fams[name]["samples"]:
            raise ValueError("duplicate series %r" % line)
        fams[name]["samples"][key] = _value(val, line)
    for name, f in fams.items():
        if f["type"] is None:
            raise ValueError("family %s has no TYPE" % name)
        if f["type"] == "counter" and not name.endswith("_total"):
            raise ValueError("counter %s not named *_total" % name)
        for (_, labels), v in f["samples"].items():
            if f["type"] == "counter" and (v < 0 or v != v):
                raise ValueError("counter %s%r is %r" % (name, labels, v))
    return fams


def value(fams, name, **labels):
    """The value of one series; KeyError if absent."""
    return fams[name]["samples"][(name, tuple(sorted(labels.items())))]


def series(fams, name):
    """{labels dict as sorted tuple: value} of a family."""
    return {lab: v for (_, lab), v in fams[name]["samples"].items()}
