"""The shipped MARC 21 rules are what scripts/avram_rules.py makes of the shared Avram schema."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from conftest import DATA, ROOT

SCRIPT = ROOT / "scripts" / "avram_rules.py"
SHIPPED = ROOT / "python" / "marcarrow" / "data" / "marc21-bibliographic.rules.json"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("avram_rules", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def source() -> Path:
    p = DATA / "avram" / "marc21-bibliographic.avram.json"
    if not p.exists():
        pytest.skip(f"{p} not found (set MARC_TEST_DATA to ../shared/data)")
    return p


@pytest.fixture(scope="module")
def generated(generator, source: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rules") / "rules.json"
    out.write_text(generator.dump(generator.generate(source)), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def rules(generated: Path) -> dict:
    return json.loads(generated.read_text(encoding="utf-8"))


def test_committed_file_is_the_generators_output(generated: Path) -> None:
    assert generated.read_bytes() == SHIPPED.read_bytes(), (
        "python/marcarrow/data/marc21-bibliographic.rules.json is stale: "
        "run python scripts/avram_rules.py and commit the result"
    )


def test_much_smaller_than_the_input(generated: Path, source: Path) -> None:
    assert generated.stat().st_size * 10 < source.stat().st_size
    assert generated.stat().st_size < 400_000


def test_same_tags_as_the_input(rules: dict, source: Path) -> None:
    schema = json.loads(source.read_text(encoding="utf-8"))
    assert list(rules["fields"]) == sorted(schema["fields"])
    assert set(rules["fields"]) == set(schema["fields"])


def test_still_an_avram_schema_that_says_where_it_came_from(rules: dict) -> None:
    assert rules["$schema"] == "https://format.gbv.de/schema/avram/schema.json"
    assert set(rules) == {"$schema", "family", "title", "description", "fields"}
    assert "scripts/avram_rules.py" in rules["description"]
    assert re.search(r"qa-catalogue at commit [0-9a-f]{40}", rules["description"])


def test_repeatability(rules: dict) -> None:
    f245 = rules["fields"]["245"]
    assert f245["repeatable"] is False
    assert f245["subfields"]["a"] == {"repeatable": False}
    assert f245["subfields"]["n"] == {"repeatable": True}
    # Flagged deprecated in the source, with no repeatability: not claimed NR.
    assert f245["subfields"]["d"] == {"repeatable": True}
    assert rules["fields"]["650"]["repeatable"] is True
    assert rules["fields"]["100"]["indicator2"] is None  # undefined: blank only
    assert set(rules["fields"]["245"]["indicator1"]["codes"]) == {"0", "1"}


def test_positions_and_types(rules: dict) -> None:
    f008 = rules["fields"]["008"]
    assert f008["positions"]["06"]["codes"]["s"] == {}  # All Materials: on every record
    assert f008["positions"]["39"]["codes"]["a"] == {}
    assert set(f008["types"]) == {
        "Books",
        "Computer Files",
        "Continuing Resources",
        "Maps",
        "Mixed Materials",
        "Music",
        "Visual Materials",
    }
    assert all(t["positions"] for t in f008["types"].values())
    books = f008["types"]["Books"]["positions"]
    assert books["18-21"]["flags"]["a"] == {} and "codes" not in books["18-21"]
    assert books["29"] == {"start": 29, "end": 29, "codes": {"0": {}, "1": {}, "|": {}}}
    selector = f008["_typeSelector"]
    assert (selector["field"], selector["start"], selector["end"]) == ("LDR", 6, 7)
    assert set(selector["types"]) == set(f008["types"])
    assert rules["fields"]["007"]["_typeSelector"]["types"]["Map"] == "^a$"
    assert rules["fields"]["LDR"]["positions"]["06"]["codes"]["b"] == {}


def test_no_deprecation_is_shipped(rules: dict) -> None:
    """The source flags current codes as deprecated (050 second indicator
    '0', 082 $b, 022 $l): the shipped rules carry no deprecation."""
    assert "deprecated" not in json.dumps(rules)
    assert "0" in rules["fields"]["050"]["indicator2"]["codes"]
    assert "l" in rules["fields"]["022"]["subfields"]


def test_the_type_selectors_choose_as_marc21_says(rules: dict) -> None:
    def chosen(tag: str, value: str) -> list[str]:
        types = rules["fields"][tag]["_typeSelector"]["types"]
        return [name for name, pattern in types.items() if re.search(pattern, value)]

    assert chosen("008", "am") == ["Books"]
    assert chosen("008", "as") == ["Continuing Resources"]
    assert chosen("008", "tm") == ["Books"]
    assert chosen("008", "em") == ["Maps"]
    assert chosen("008", "jm") == ["Music"]
    assert chosen("008", "xm") == []
    assert chosen("006", "s") == ["Continuing Resources"]
    assert chosen("007", "v") == ["Videorecording"]


def test_ranges_become_exact_patterns(rules: dict) -> None:
    pos = rules["fields"]["008"]["types"]["Visual Materials"]["positions"]["18-20"]
    assert "codes" not in pos
    valid = {"000", "001", "120", "999", "nnn", "---", "|||"}
    for value in valid | {"1000", "12", "12a", "   ", "|||x"}:
        assert (re.search(pos["pattern"], value) is not None) == (value in valid), value


def test_facts_only(rules: dict) -> None:
    def keys(node: object, found: set[str]) -> set[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                found.add(k)
                keys(v, found)
        return found

    found = keys(rules["fields"], set())
    assert not found & {"label", "url", "description", "groups", "codelists"}
    assert "codes" in found and "flags" in found and "pattern" in found
    assert not any(isinstance(s.get("codes"), str) for s in _subfields(rules))


def _subfields(rules: dict) -> list[dict]:
    return [s for f in rules["fields"].values() for s in f.get("subfields", {}).values()]
