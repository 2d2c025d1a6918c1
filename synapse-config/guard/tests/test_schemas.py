"""Schema validation: valid state passes, invalid state gets a message that
names the field and the expectation, and never repeats what was sent."""

import pytest

from casusruimte_guard.schemas import ACCESS, CASE, REGIE, TRIAGE_STATUS, Schemas, SchemaFilesMissing
from samples import access_content, case_content, regie_content, triage_content

SECRET = "Jan Jansen 12-03-1990"


def test_valid_contents_pass(schemas):
    assert schemas.problem(CASE, case_content()) is None
    assert schemas.problem(CASE, case_content(phase="closed", closed_at="2026-12-01T10:00:00Z", retention_until="2036-12-01T10:00:00Z")) is None
    assert schemas.problem(ACCESS, access_content("CSG", "VT")) is None
    statutory = {"v": 1, "organisations": [{"org": "VT", "since": "2026-11-20T10:00:00Z", "basis": "statutory", "ground": "wmo2015-vt"}]}
    assert schemas.problem(ACCESS, statutory) is None
    assert schemas.problem(REGIE, regie_content(deputy="@vt.visser:localhost")) is None
    assert schemas.problem(REGIE, regie_content(regiehouder=None)) is None
    assert schemas.problem(TRIAGE_STATUS, triage_content(next_review=None)) is None


def test_unknown_types_have_no_schema(schemas):
    assert schemas.problem("m.room.topic", {"anything": SECRET}) is None


def test_bad_reference_says_what_a_reference_looks_like(schemas):
    assert schemas.problem(CASE, case_content(reference=SECRET)) == (
        "reference: a case reference looks like DH-2026-0142: region code, year, number"
    )


def test_extra_field_is_refused_without_repeating_its_name(schemas):
    problem = schemas.problem(CASE, {**case_content(), SECRET: "x", "name": SECRET})
    assert problem.startswith("the content has a field that is not allowed here (allowed: v, reference, region")
    assert SECRET not in problem and "name" not in problem


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (case_content(region="XX"), "region: must be one of DH, OB"),
        (case_content(phase="done"), "phase: must be one of first_contact, triage, regie, closed"),
        (case_content(v=2), "v: must be 1"),
        (case_content(acute="yes"), "acute: must be true or false"),
        (case_content(first_report_at="yesterday"), "first_report_at: a UTC date and time such as 2026-11-23T09:30:00Z"),
        (case_content(closed_at="yesterday"), "closed_at: a UTC date and time such as"),
        (case_content(closed_at=5), "closed_at: must be a UTC date and time such as 2026-11-23T09:30:00Z or null"),
        ([], "the content must be an object"),
        ({}, "the content lacks the fields v, reference, region, phase"),
    ],
)
def test_case_messages(schemas, content, expected):
    assert schemas.problem(CASE, content).startswith(expected)


def test_missing_field(schemas):
    content = case_content()
    del content["phase"]
    assert schemas.problem(CASE, content) == "phase: is missing"


def test_several_problems_are_listed_together(schemas):
    problem = schemas.problem(CASE, case_content(v=2, region="XX"))
    assert "v: must be 1" in problem and "region: must be one of" in problem


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"org": "VT", "since": "2026-11-20T10:00:00Z", "basis": "statutory"}, "organisations[0].ground: is missing"),
        ({"org": "vt", "since": "2026-11-20T10:00:00Z", "basis": "consent"}, "organisations[0].org: an organisation code is 2 to 16 capitals"),
        ({"org": "VT", "since": "2026-11-20T10:00:00Z", "basis": SECRET}, 'organisations[0].basis: must be one of "consent", "statutory"'),
        ({"org": "VT", "since": "2026-11-20T10:00:00Z", "basis": "statutory", "ground": "because"}, "organisations[0].ground: must be one of wmo2015-vt"),
        ({"org": "VT", "since": "2026-11-20T10:00:00Z", "basis": "consent", "victim": SECRET}, "organisations[0]: has a field that is not allowed here (allowed: org, since, basis, purposes)"),
    ],
)
def test_access_entries_are_explained_per_basis(schemas, entry, expected):
    problem = schemas.problem(ACCESS, {"v": 1, "organisations": [entry]})
    assert problem.startswith(expected)
    assert SECRET not in problem


def test_duplicate_organisation_is_refused_like_the_zod_refine(schemas):
    assert schemas.problem(ACCESS, access_content("CSG", "CSG")) == "organisations: an organisation appears more than once"


def test_access_list_is_bounded(schemas):
    many = {"v": 1, "organisations": [{"org": f"ORG{i}", "since": "2026-11-20T10:00:00Z", "basis": "consent"} for i in range(33)]}
    assert schemas.problem(ACCESS, many) == "organisations: has more than 32 entries"


def test_regie_and_triage_messages(schemas):
    assert schemas.problem(REGIE, regie_content(regiehouder=SECRET)) == "regiehouder: a Matrix user ID such as @name:server"
    assert schemas.problem(REGIE, {**regie_content(), "handovers": -1}) == "handovers: must be at least 0"
    assert schemas.problem(TRIAGE_STATUS, triage_content(seq=0, next_review="next week")) == (
        "next_review: a date such as 2026-11-23; seq: must be at least 1"
    )


@pytest.mark.parametrize("where", ["reference", "region", "phase", "first_report_at", "closed_at", "acute", "v"])
def test_no_message_repeats_a_sent_value(schemas, where):
    problem = schemas.problem(CASE, case_content(**{where: SECRET}))
    assert problem and SECRET not in problem


def test_missing_schema_files_are_named(tmp_path):
    with pytest.raises(SchemaFilesMissing, match="npm run schemas"):
        Schemas.load(tmp_path)


def test_the_allow_list_is_loaded_for_both_room_kinds(schemas):
    case, directory = schemas.allow_list["case"], schemas.allow_list["directory"]
    assert {"m.room.encrypted", "m.room.member", "nl.casusruimte.case", "nl.casusruimte.regie"} <= set(case)
    assert case["nl.casusruimte.regie"].sender == "service" and case["m.room.encrypted"].sender == "members"
    assert case["m.room.encrypted"].state is None and case["nl.casusruimte.case"].state == "empty"
    assert "m.room.topic" not in case and "m.room.encrypted" not in directory
    assert directory["nl.casusruimte.directory.user"].state == "directory-user"
    assert directory["m.room.member"].sender == "self"


def test_missing_allow_list_or_policy_files_stop_the_start(tmp_path):
    import shutil

    from casusruimte_guard.schemas import SchemaFilesMissing
    from conftest import SCHEMAS_DIR

    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, copy)
    (copy / "policy.json").unlink()
    with pytest.raises(SchemaFilesMissing, match="policy.json"):
        Schemas.load(copy)


# --- the compiled fast path gives jsonschema's verdict (issue 15) ---------------------

import json  # noqa: E402
import random  # noqa: E402
from collections.abc import Mapping  # noqa: E402

from immutabledict import immutabledict  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

from casusruimte_guard.schemas import _plain, compile_schema  # noqa: E402

_STRINGS = [
    "", "a", "A" * 43, "S" * 43, "AwgA", "ABCDEF123", "x" * 70_000, "m.megolm.v1.aes-sha2", "2026-11-20T09:30:00Z",
    "2026-11-20T09:30:00.123Z", "2026-11-28", "next week", "@csg.mulder:localhost", "@a:b", "!room:localhost",
    "DH", "XX", "DH-2026-0142", "CSG", "csg", "consent", "statutory", "join", "invite", "leave", "ban", "knock",
    "nl.casusruimte.case", "12", "invite", "shared", "private", "strafrecht", "zorg", "apart-1", "user:@a:b",
    "Jan Jansen", "mxc://localhost/abc", "v1", SECRET,
]
_NUMBERS = [0, 1, -1, 2, 12, 32, 100, 1.0, 1.5, -0.5, 2**53, True, False]


def _candidates(schema, strings):
    out = [None, {}, [], *_NUMBERS, *strings]
    if isinstance(schema, dict):
        if "const" in schema:
            out.insert(0, schema["const"])
        out[:0] = list(schema.get("enum", []))
    return out


_LEAVES: dict[tuple[int, str], list] = {}


def _generate(schema, rng, strings, depth=0):
    """A value for the schema: valid where the candidates allow, otherwise anything."""
    if not isinstance(schema, dict) or depth > 6:
        return rng.choice(_candidates(schema, strings))
    for branch_key in ("anyOf", "oneOf"):
        if branch_key in schema and rng.random() < 0.9:
            return _generate(rng.choice(schema[branch_key]), rng, strings, depth + 1)
    kind = schema.get("type")
    kind = rng.choice(kind) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return {k: _generate(v, rng, strings, depth + 1) for k, v in props.items() if k in required or rng.random() < 0.7}
    if kind == "array":
        n = rng.choice([0, 1, 2, 3])
        return [_generate(schema.get("items", {}), rng, strings, depth + 1) for _ in range(n)]
    key = (id(strings), json.dumps(schema, sort_keys=True))
    if key not in _LEAVES:
        validator = Draft202012Validator(schema)
        _LEAVES[key] = [c for c in _candidates(schema, strings) if validator.is_valid(c)]
    fitting = _LEAVES[key]
    return rng.choice(fitting) if fitting and rng.random() < 0.9 else rng.choice(_candidates(schema, strings))


def _mutate(value, rng, strings):
    """The value with one change somewhere inside it."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        out = dict(value)
        roll = rng.random()
        if roll < 0.2:
            del out[key]
        elif roll < 0.3:
            out["extra"] = rng.choice(strings)
        else:
            out[key] = _mutate(value[key], rng, strings)
        return out
    if isinstance(value, list) and value and rng.random() < 0.7:
        i = rng.randrange(len(value))
        return value[:i] + [_mutate(value[i], rng, strings)] + value[i + 1 :]
    return rng.choice(_candidates(None, strings) + [[value], {"k": value}, list(value) if isinstance(value, list) else value])


def _freeze(value):
    """As Synapse hands content to the module: immutabledict and tuples."""
    if isinstance(value, Mapping):
        return immutabledict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _all_validators(schemas):
    yield from schemas.validators.items()
    for kind, entries in schemas.allow_list.items():
        for event_type, allowed in entries.items():
            yield f"{kind}/{event_type}", allowed.validator


def _strings_of(schema, into):
    if isinstance(schema, dict):
        for k, v in schema.items():
            if k in ("const", "enum"):
                into.extend(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
            else:
                _strings_of(v, into)
    elif isinstance(schema, list):
        for v in schema:
            _strings_of(v, into)
    return into


def test_every_generated_schema_has_a_compiled_check(schemas):
    assert [name for name, v in _all_validators(schemas) if v.fast is None] == []


def test_the_compiled_check_agrees_with_jsonschema_on_valid_and_broken_content(schemas):
    rng = random.Random(15)
    verdicts = {True: 0, False: 0}
    for name, validator in _all_validators(schemas):
        strings = _STRINGS + _strings_of(validator.full.schema, [])
        for _ in range(120):
            value = _generate(validator.full.schema, rng, strings)
            for candidate in (value, _mutate(value, rng, strings), _mutate(_mutate(value, rng, strings), rng, strings)):
                expected = validator.full.is_valid(_plain(candidate))
                verdicts[expected] += 1
                assert validator.fast(_freeze(candidate)) is expected, (name, candidate)
                assert validator.fast(candidate) is expected, (name, candidate)
    # Both verdicts were exercised, many times.
    assert verdicts[True] > 1000 and verdicts[False] > 1000, verdicts


@pytest.mark.parametrize(
    "content",
    [
        case_content(),
        case_content(v=True),
        case_content(v=1.0),
        case_content(acute=1),
        case_content(reference=SECRET),
        access_content("CSG", "VT"),
        {"v": 1, "organisations": [{"org": "OM", "since": "2026-11-20T10:00:00Z", "basis": "statutory", "ground": "x"}]},
        regie_content(regiehouder=None),
        {**regie_content(), "handovers": -1},
        {**regie_content(), "handovers": 0.5},
        triage_content(next_review="next week"),
    ],
)
def test_the_compiled_check_agrees_on_the_samples(schemas, content):
    for event_type, validator in schemas.validators.items():
        assert validator.fast(_freeze(content)) is validator.full.is_valid(content), event_type


def test_a_schema_with_a_keyword_it_does_not_know_is_left_to_jsonschema():
    assert compile_schema({"type": "array", "uniqueItems": True}) is None
    assert compile_schema({"$ref": "#/$defs/x", "$defs": {"x": {}}}) is None
    assert compile_schema({"type": "object", "patternProperties": {"^a": {}}}) is None
    # Formats are annotations here, as for Draft202012Validator without a format checker.
    assert compile_schema({"type": "string", "format": "date-time"})("not a date") is True


def test_frozen_content_gets_the_same_message_as_plain_content(schemas):
    broken = {**case_content(), SECRET: "x", "name": SECRET}
    assert schemas.problem(CASE, _freeze(broken)) == schemas.problem(CASE, broken)
    assert schemas.problem(ACCESS, _freeze(access_content("CSG", "CSG"))) == "organisations: an organisation appears more than once"


@pytest.mark.parametrize(
    "schema, instance",
    [
        ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1),
        ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1),
        ({"const": 1}, True),
        ({"const": 1}, 1.0),
        ({"enum": [0, "a"]}, False),
        ({"const": True}, True),
        ({"const": [1, {"a": None}]}, [1, {"a": None}]),
        ({"type": "integer"}, 2.0),
        ({"type": "integer"}, True),
        ({"type": "number", "minimum": 0}, False),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 1}, ["a", "b"]),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {"a": 1}),
        ({"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}, {"A": 1}),
        ({"type": "string", "pattern": "b"}, "abc"),
        ({"type": "string", "minLength": 2}, "é"),
        ({"not": {"type": "null"}}, None),
        ({"allOf": [{"minimum": 1}, {"maximum": 2}]}, 3),
        ({"exclusiveMaximum": 2}, 2),
    ],
)
def test_the_compiled_check_keeps_jsonschemas_corner_cases(schema, instance):
    assert compile_schema(schema)(_freeze(instance)) is Draft202012Validator(schema).is_valid(instance)
