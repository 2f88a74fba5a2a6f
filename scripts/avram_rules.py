#!/usr/bin/env python3
"""Generate marcarrow's default validation rules from an Avram schema of MARC 21 bibliographic.

    python scripts/avram_rules.py [INPUT [OUTPUT]]

INPUT defaults to ../shared/data/avram/marc21-bibliographic.avram.json (MARC_TEST_DATA
overrides ../shared/data), OUTPUT to python/marcarrow/data/marc21-bibliographic.rules.json.

Avram (https://format.gbv.de/schema/avram/specification) is the JSON schema language for
MARC of the DINI-AG KIM. The output is again an Avram schema, so that one loader reads the
shipped rules and any schema a user passes, but it holds facts only:

- per field: tag, repeatable, indicator codes (null = blank only, as Avram defines),
  subfield codes with repeatable;
- per position of LDR/006/007/008: start, end and the code list.

Deprecation flags on codes and subfields are dropped: the source conflates a
code's current and obsolete meanings (``DEPRECATION`` below).

Labels, URLs, descriptions, subfield patterns, subfield positions and subfield code list
references are dropped, and so is the top-level codelist directory, which nothing kept refers
to. Three forms are normalised to what Avram 0.9.6 says:

- a position wider than its codes (008/18-21 illustrations: up to four one-character codes)
  becomes ``flags`` (a concatenation of codes); a code that repeats one character to fill
  the position (``||`` in 008/33-34 of maps) becomes that character;
- a position with a numeric range among its codes (``001-999`` in 008/18-20 of visual
  materials) becomes a ``pattern`` matching exactly the codes and the range;
- the type that holds the positions of every material (``All Materials`` of 006 and 008,
  ``Common`` of 007) becomes the field's own ``positions``, which Avram applies to every
  record; the other types stay in ``types``.

Which type applies to a record is not in Avram: the field's ``_typeSelector`` (a custom key,
as Avram allows on field definitions) names the field and character positions that choose
it and, per type, a regular expression the value there must match (LDR/06-07 for 008,
006/00 for 006, 007/00 for 007, as the MARC 21 documentation defines them).

Run it again (and commit the result) when the input changes; tests/test_avram_rules.py
fails while the committed file differs from what this script writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("MARC_TEST_DATA", ROOT.parent / "shared" / "data"))
INPUT = DATA / "avram" / "marc21-bibliographic.avram.json"
OUTPUT = ROOT / "python" / "marcarrow" / "data" / "marc21-bibliographic.rules.json"

AVRAM_METASCHEMA = "https://format.gbv.de/schema/avram/schema.json"

# The type of every material, whose positions apply to every record.
COMMON_TYPES = {"All Materials", "Common"}

# MARC 21 bibliographic, 008 (https://www.loc.gov/marc/bibliographic/bd008.html): the
# configuration of 008/18-34 follows Leader/06 (type of record) and, for books and
# continuing resources, Leader/07 (bibliographic level).
TYPES_008 = {
    "Books": "^[at][acdm]$",
    "Continuing Resources": "^a[bis]$",
    "Computer Files": "^m",
    "Maps": "^[ef]",
    "Music": "^[cdij]",
    "Visual Materials": "^[gkor]",
    "Mixed Materials": "^p",
}

# 006/00 (form of material, https://www.loc.gov/marc/bibliographic/bd006.html) chooses the
# 008 configuration that 006/01-17 repeats.
TYPES_006 = {
    "Books": "^[at]$",
    "Continuing Resources": "^s$",
    "Computer Files": "^m$",
    "Maps": "^[ef]$",
    "Music": "^[cdij]$",
    "Visual Materials": "^[gkor]$",
    "Mixed Materials": "^p$",
}


def selector_007(source: dict) -> dict:
    """007/00 (category of material) chooses the 007 type; the input names each type with
    the label of its 007/00 code, so the mapping is read from the input."""
    codes = source["types"]["Common"]["positions"]["00"]["codes"]
    by_label = {c["label"]: code for code, c in codes.items()}
    types = {}
    for name in source["types"]:
        if name in COMMON_TYPES:
            continue
        if name not in by_label:
            raise ValueError(f"007 type {name!r} is not a label of a 007/00 code")
        types[name] = f"^{escape(by_label[name])}$"
    return {"field": "007", "start": 0, "end": 0, "types": types}


SELECTORS = {
    "006": lambda _: {"field": "006", "start": 0, "end": 0, "types": TYPES_006},
    "007": selector_007,
    "008": lambda _: {"field": "LDR", "start": 6, "end": 7, "types": TYPES_008},
}


def escape(text: str) -> str:
    """``text`` as a literal in an ECMA 262 regular expression, Avram's dialect: only its
    syntax characters are escaped (in Unicode mode ECMA rejects escaping others, such as
    ``-``); Rust's regex reads the result alike."""
    return re.sub(r"([\\^$.*+?()[\]{}|])", r"\\\1", text)


def range_regex(lo: str, hi: str) -> str:
    """A regular expression matching the zero-padded numbers lo..hi (same width)."""
    if len(lo) != len(hi):
        raise ValueError(f"range {lo}-{hi}: ends of different width")
    if not lo:
        return ""
    if lo[0] == hi[0]:
        return escape(lo[0]) + range_regex(lo[1:], hi[1:])
    rest = len(lo) - 1
    parts = []
    low_tail_full = all(c == "0" for c in lo[1:])
    high_tail_full = all(c == "9" for c in hi[1:])
    first_lo, first_hi = int(lo[0]), int(hi[0])
    if not low_tail_full:
        parts.append(lo[0] + range_regex(lo[1:], "9" * rest))
        first_lo += 1
    if not high_tail_full:
        first_hi -= 1
    if first_lo <= first_hi:
        digit = str(first_lo) if first_lo == first_hi else f"[{first_lo}-{first_hi}]"
        parts.append(digit + ("[0-9]" * rest if rest < 2 else f"[0-9]{{{rest}}}"))
    if not high_tail_full:
        parts.append(hi[0] + range_regex("0" * rest, hi[1:]))
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


# Why no code or subfield is marked deprecated in the output: where LC's
# pages give a code or subfield a current meaning and an obsolete one, the
# source keeps one entry, often the obsolete one. So 050 second indicator
# '0' (assigned by LC), 082 second indicator blank, 222 second indicator
# '0', 082 $b (item number), 022 $l (ISSN-L) and 007/01 'j' of maps, all
# current in MARC 21, are flagged deprecated there; marked in the rules,
# they made LC's own records warn hundreds of times. A user's schema that
# marks deprecations is checked for them.
DEPRECATION = "dropped from codes and subfields"


def code_facts(code: dict | str) -> dict:
    """A code definition reduced to its facts: ``{}``. Its ``deprecated``
    flag is dropped (see ``DEPRECATION``)."""
    return {}


def reduce_codes(codes: dict) -> dict:
    return {k: code_facts(v) for k, v in codes.items()}


def reduce_position(key: str, pos: dict, where: str) -> dict:
    """One data element: start, end and its codes, as codes, flags or a pattern."""
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", key)
    if not m:
        raise ValueError(f"{where}/{key}: not a range")
    start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    if (pos.get("start", start), pos.get("end", end)) != (start, end):
        raise ValueError(f"{where}/{key}: start/end disagree with the key")
    width = end - start + 1
    out: dict = {"start": start, "end": end}
    if "pattern" in pos:
        out["pattern"] = pos["pattern"]
    codes = pos.get("codes")
    if codes is None:
        return out
    if isinstance(codes, str):
        out["codes"] = codes
        return out
    ranges = [c for c in codes if re.fullmatch(r"\d+-\d+", c)]
    if ranges:
        # Codes and numeric ranges of the position's width: one exact pattern.
        alts = []
        for c in codes:
            if c in ranges:
                lo, hi = c.split("-")
                if len(lo) != width or len(hi) != width:
                    raise ValueError(f"{where}/{key}: range {c} is not {width} wide")
                alts.append(range_regex(lo, hi))
            elif len(c) == width:
                alts.append(escape(c))
            else:
                raise ValueError(f"{where}/{key}: code {c!r} is not {width} wide")
        if "pattern" in out:
            raise ValueError(f"{where}/{key}: both a pattern and a range")
        out["pattern"] = "^(?:" + "|".join(alts) + ")$"
        return out
    if all(len(c) == width for c in codes):
        out["codes"] = reduce_codes(codes)
        return out
    # Shorter codes: a combination of one-character flags (illustrations, nature of contents).
    flags: dict = {}
    for c, v in codes.items():
        if len(c) != 1 and c != c[0] * len(c):
            raise ValueError(f"{where}/{key}: code {c!r} is neither {width} wide nor a flag")
        facts = code_facts(v)
        if c[0] in flags and flags[c[0]] != facts:
            raise ValueError(f"{where}/{key}: flag {c[0]!r} defined twice, differently")
        flags[c[0]] = facts
    out["flags"] = flags
    return out


def reduce_positions(positions: dict, where: str) -> dict:
    return {k: reduce_position(k, p, where) for k, p in positions.items()}


def reduce_indicator(ind: dict | None, where: str) -> dict | None:
    if ind is None:
        return None
    out: dict = {}
    if "codes" in ind:
        codes = ind["codes"]
        if isinstance(codes, str):
            raise ValueError(f"{where}: indicator codes by reference are not supported")
        out["codes"] = reduce_codes(codes)
    if "pattern" in ind:
        out["pattern"] = ind["pattern"]
    return out


def reduce_subfield(sub: dict) -> dict:
    out: dict = {}
    for key in ("repeatable", "required"):
        if key in sub:
            out[key] = sub[key]
    # The source gives flagged subfields no repeatability (DEPRECATION):
    # unknown, so not reported as a repetition.
    if sub.get("deprecated") and "repeatable" not in sub:
        out["repeatable"] = True
    return out


def reduce_field(tag: str, field: dict) -> dict:
    out: dict = {}
    for key in ("tag", "repeatable", "required", "deprecated"):
        if key in field:
            out[key] = field[key]
    for key in ("indicator1", "indicator2"):
        if key in field:
            out[key] = reduce_indicator(field[key], f"{tag}/{key}")
    if "subfields" in field:
        out["subfields"] = {c: reduce_subfield(s) for c, s in field["subfields"].items()}
    positions = dict(field.get("positions", {}))
    types = {}
    for name, typed in field.get("types", {}).items():
        if name in COMMON_TYPES:
            overlap = positions.keys() & typed.get("positions", {}).keys()
            if overlap:
                raise ValueError(f"{tag}: {name} repeats positions {sorted(overlap)}")
            positions.update(typed.get("positions", {}))
        else:
            types[name] = {"positions": reduce_positions(typed["positions"], f"{tag}/{name}")}
    if positions:
        out["positions"] = reduce_positions(positions, tag)
    if types:
        out["types"] = types
        if tag not in SELECTORS:
            raise ValueError(f"{tag}: types, but no rule for choosing one")
        selector = SELECTORS[tag](field)
        chosen = sorted(selector["types"])
        if chosen != sorted(types):
            raise ValueError(f"{tag}: types {sorted(types)} but a selector for {chosen}")
        out["_typeSelector"] = selector
    return out


def provenance(src: Path) -> str:
    """Where the input came from, as its PROVENANCE.md next to it says."""
    prov = src.parent / "PROVENANCE.md"
    if prov.exists():
        text = " ".join(prov.read_text().split())
        m = re.search(r"repository (\S+), file (\S+) at commit (\w+)", text)
        if m:
            return f"{m.group(2)} of {m.group(1)} at commit {m.group(3)}"
    return src.name


def generate(src: Path) -> dict:
    raw = src.read_bytes()
    schema = json.loads(raw)
    digest = hashlib.sha256(raw).hexdigest()
    return {
        "$schema": schema.get("$schema", AVRAM_METASCHEMA),
        "family": "marc",
        "title": "MARC 21 Format for Bibliographic Data: marcarrow validation rules",
        "description": (
            "Generated by marcarrow's scripts/avram_rules.py from the Avram schema "
            f"{src.name} (sha256 {digest}), which is {provenance(src)} "
            f"(title: {schema.get('title', '?')!r}; content: the Library of Congress's "
            "MARC 21 definitions). Facts only: tags, repeatability, indicator and subfield "
            "codes, LDR/006/007/008 positions with their code lists. Labels, URLs, "
            "descriptions, subfield patterns, code list references and deprecation flags "
            "(which the source gives current codes too) were removed."
        ),
        "fields": {tag: reduce_field(tag, f) for tag, f in schema["fields"].items()},
    }


def dump(rules: dict) -> str:
    return json.dumps(rules, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else INPUT
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else OUTPUT
    text = dump(generate(src))
    out.write_text(text, encoding="utf-8")
    print(f"{out}: {len(text.encode())} bytes from {src} ({src.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
