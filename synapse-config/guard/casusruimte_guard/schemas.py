"""JSON Schema validation of the plaintext case-room state, with messages that
name what is wrong without repeating what was sent.

The schemas are the client's own: scripts/generate-schemas.ts exports them from
the zod schemas in src/lib/case/state.ts into synapse-config/schemas/ before
every homeserver start, so the guard and the client cannot drift apart.

A message never contains values taken from the event (they may be personal
data, and messages end up in the homeserver's log and the rejection log): it
names the field path (built from the schema's property names and list indices)
and what the schema expects.

Speed (issue 15): every event the homeserver creates passes through here, most
of them m.room.encrypted. jsonschema's validator walks a schema through
generic machinery (a new validator object per keyword and level) and wants
plain dicts (a copy of Synapse's frozen content), several hundred microseconds
an event. So each schema is also compiled once, at load, into nested Python
closures that answer only "valid or not" for the keywords the generated
schemas use, with jsonschema's exact semantics (Draft 2020-12, formats not
asserted, bool is not a number, 1.0 is an integer). A valid event costs the
closures alone; anything they reject, or a schema with a keyword they do not
know, goes through jsonschema as before, which decides and words the message.
tests/test_schemas.py holds the two to the same verdicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

# The four plaintext state types of a case room (src/lib/case/event-types.ts).
CASE = "nl.casusruimte.case"
TRIAGE_STATUS = "nl.casusruimte.triage.status"
REGIE = "nl.casusruimte.regie"
ACCESS = "nl.casusruimte.access"
STATE_TYPES = (CASE, TRIAGE_STATUS, REGIE, ACCESS)

ROOM_KINDS = ("case", "board", "directory", "compartment")
# src/lib/case/compartments.ts STATUTORY_PURPOSES and LEGACY_PURPOSES; policy.json (generated) carries them.
DEFAULT_STATUTORY_PURPOSES: dict[str, tuple[str, ...]] = {}
DEFAULT_LEGACY_PURPOSES = ("coordination",)
# src/lib/case/compartments.ts COMPARTMENT_ID_PATTERN; allow-list.json state_keys.compartment carries it.
DEFAULT_COMPARTMENT_PATTERN = "^(strafrecht|zorg|apart-[1-9][0-9]{0,2})$"
# src/lib/case/policy.ts DEFAULT_RETENTION; policy.json (generated) overrides it.
DEFAULT_RETENTION = {"default_months": 12, "min_months": 1, "max_months": 60}
# src/lib/case/policy.ts DEFAULT_REGIE_ORGANISATIONS; policy.json (generated) names the deployment's.
DEFAULT_REGIE_ORGANISATIONS = frozenset({"CSG", "VT", "SHN"})

_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}
_FORMAT_WORDS = {
    "date-time": "a UTC date and time such as 2026-11-23T09:30:00Z",
    "date": "a date such as 2026-11-23",
}


class SchemaFilesMissing(Exception):
    """The generated schema files are not there (run `npm run schemas`)."""


# --- the compiled fast path ------------------------------------------------------

Check = Callable[[Any], bool]
# Keywords that never decide validity (Draft202012Validator without a format checker asserts no format).
_ANNOTATIONS = frozenset(
    {"title", "description", "$schema", "$comment", "format", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)


class _Unsupported(Exception):
    pass


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's equality for const and enum: True is not 1, lists and mappings compare deeply."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, (list, tuple)) and isinstance(two, (list, tuple)):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return one == two


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# As jsonschema sees the content after _plain(): any mapping is an object, a list or tuple an array.
_TYPES: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "object": lambda x: isinstance(x, Mapping),
    "array": lambda x: isinstance(x, (list, tuple)),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    "integer": lambda x: (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer()),
}


def compile_schema(schema: Any) -> Check | None:
    """A closure that says whether content is valid against the schema, exactly as
    Draft202012Validator(schema).is_valid(_plain(content)) would; None when the schema
    uses a keyword this does not handle (then jsonschema alone decides)."""
    try:
        return _compile(schema)
    except (_Unsupported, re.error):
        return None


def _compile(schema: Any) -> Check:
    if schema is True:
        return lambda x: True
    if schema is False:
        return lambda x: False
    if not isinstance(schema, dict):
        raise _Unsupported("schema")
    checks: list[Check] = []
    s = schema
    for key in s:
        if key not in _ANNOTATIONS and key not in _KEYWORDS:
            raise _Unsupported(key)
    if "type" in s:
        kinds = s["type"] if isinstance(s["type"], list) else [s["type"]]
        try:
            tests = tuple(_TYPES[k] for k in kinds)
        except (KeyError, TypeError):
            raise _Unsupported("type") from None
        checks.append(tests[0] if len(tests) == 1 else (lambda x, t=tests: any(f(x) for f in t)))
    if "const" in s:
        checks.append(lambda x, c=s["const"]: _equal(x, c))
    if "enum" in s:
        checks.append(lambda x, e=tuple(s["enum"]): any(_equal(x, v) for v in e))
    # Objects.
    props = {k: _compile(v) for k, v in (s.get("properties") or {}).items()}
    if "properties" in s:
        checks.append(lambda x, p=props: not isinstance(x, Mapping) or all(k not in x or f(x[k]) for k, f in p.items()))
    if "required" in s:
        required = tuple(s["required"])
        checks.append(lambda x, r=required: not isinstance(x, Mapping) or all(k in x for k in r))
    if "additionalProperties" in s:
        extra = _compile(s["additionalProperties"])
        known = frozenset(props)
        if s["additionalProperties"] is False:
            checks.append(lambda x, n=known: not isinstance(x, Mapping) or all(k in n for k in x))
        else:
            checks.append(lambda x, n=known, f=extra: not isinstance(x, Mapping) or all(f(x[k]) for k in x if k not in n))
    if "propertyNames" in s:
        names = _compile(s["propertyNames"])
        checks.append(lambda x, f=names: not isinstance(x, Mapping) or all(f(k) for k in x))
    # Strings.
    if "pattern" in s:
        search = re.compile(s["pattern"]).search
        checks.append(lambda x, f=search: not isinstance(x, str) or f(x) is not None)
    if "minLength" in s:
        checks.append(lambda x, n=s["minLength"]: not isinstance(x, str) or len(x) >= n)
    if "maxLength" in s:
        checks.append(lambda x, n=s["maxLength"]: not isinstance(x, str) or len(x) <= n)
    # Numbers.
    for key, holds in (
        ("minimum", lambda x, n: x >= n),
        ("maximum", lambda x, n: x <= n),
        ("exclusiveMinimum", lambda x, n: x > n),
        ("exclusiveMaximum", lambda x, n: x < n),
    ):
        if key in s:
            checks.append(lambda x, n=s[key], h=holds: not _is_number(x) or h(x, n))
    # Arrays.
    if "items" in s:
        if isinstance(s["items"], list):
            raise _Unsupported("items as a list")
        item = _compile(s["items"])
        checks.append(lambda x, f=item: not isinstance(x, (list, tuple)) or all(f(v) for v in x))
    if "minItems" in s:
        checks.append(lambda x, n=s["minItems"]: not isinstance(x, (list, tuple)) or len(x) >= n)
    if "maxItems" in s:
        checks.append(lambda x, n=s["maxItems"]: not isinstance(x, (list, tuple)) or len(x) <= n)
    # Combinations.
    if "anyOf" in s:
        branches = tuple(_compile(b) for b in s["anyOf"])
        checks.append(lambda x, b=branches: any(f(x) for f in b))
    if "oneOf" in s:
        branches = tuple(_compile(b) for b in s["oneOf"])
        checks.append(lambda x, b=branches: sum(1 for f in b if f(x)) == 1)
    if "allOf" in s:
        branches = tuple(_compile(b) for b in s["allOf"])
        checks.append(lambda x, b=branches: all(f(x) for f in b))
    if "not" in s:
        negated = _compile(s["not"])
        checks.append(lambda x, f=negated: not f(x))
    if not checks:
        return lambda x: True
    if len(checks) == 1:
        return checks[0]
    all_checks = tuple(checks)
    return lambda x: all(f(x) for f in all_checks)


_KEYWORDS = frozenset(
    {
        "type", "const", "enum", "properties", "required", "additionalProperties", "propertyNames",
        "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "items", "minItems", "maxItems", "anyOf", "oneOf", "allOf", "not",
    }
)


@dataclass(frozen=True)
class Validator:
    """A schema's jsonschema validator (the verdict and the words of a refusal) and its
    compiled check (the verdict on valid content, fast); `fast` is None when the schema
    needs jsonschema for everything."""

    full: Draft202012Validator
    fast: Check | None = None

    @classmethod
    def of(cls, schema: Any) -> "Validator":
        Draft202012Validator.check_schema(schema)
        return cls(Draft202012Validator(schema), compile_schema(schema))


def _plain(value: Any) -> Any:
    """Synapse hands out frozen mappings; jsonschema wants dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Allowed:
    """One entry of the allow-list (src/lib/case/allow-list.ts)."""

    # "empty", "user" (a user ID), "directory-user" ("user:" + a user ID), "region" (a region code),
    # or None for a timeline event.
    state: str | None
    # "service", "members" or "self".
    sender: str
    validator: Validator


@dataclass(frozen=True)
class Schemas:
    validators: Mapping[str, Validator]
    # room kind ("case", "directory") -> event type -> what is allowed.
    allow_list: Mapping[str, Mapping[str, Allowed]] = field(default_factory=dict)
    # The retention window (src/lib/case/policy.ts): default_months, min_months, max_months.
    retention: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_RETENTION))
    # The organisations whose case managers may hold regie (policy.json regie_organisations).
    regie_organisations: frozenset[str] = DEFAULT_REGIE_ORGANISATIONS
    # The region codes a "region" state key may be (allow-list.json state_keys.region).
    regions: frozenset[str] = frozenset()
    # Purposes bind (issue 13): the purposes each statutory ground covers, and what an access
    # entry without purposes covers (policy.json); the pattern of a compartment id.
    statutory_purposes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    legacy_purposes: tuple[str, ...] = DEFAULT_LEGACY_PURPOSES
    compartment_pattern: str = DEFAULT_COMPARTMENT_PATTERN

    @classmethod
    def load(cls, directory: str | Path, types: Iterable[str] = STATE_TYPES) -> "Schemas":
        directory = Path(directory)
        validators: dict[str, Validator] = {}
        missing = []
        for event_type in types:
            path = directory / f"{event_type}.json"
            if not path.is_file():
                missing.append(str(path))
                continue
            validators[event_type] = Validator.of(json.loads(path.read_text(encoding="utf8")))
        allow_list: dict[str, dict[str, Allowed]] = {}
        regions: frozenset[str] = frozenset()
        compartment_pattern = DEFAULT_COMPARTMENT_PATTERN
        statutory_purposes: dict[str, tuple[str, ...]] = dict(DEFAULT_STATUTORY_PURPOSES)
        legacy_purposes = DEFAULT_LEGACY_PURPOSES
        index_path = directory / "allow-list.json"
        if not index_path.is_file():
            missing.append(str(index_path))
        else:
            index = json.loads(index_path.read_text(encoding="utf8"))
            for kind in ROOM_KINDS:
                allow_list[kind] = {}
                for event_type, entry in (index.get(kind) or {}).items():
                    schema = json.loads((directory / entry["schema"]).read_text(encoding="utf8"))
                    allow_list[kind][event_type] = Allowed(entry["state"], entry["sender"], Validator.of(schema))
            regions = frozenset(r for r in (index.get("state_keys") or {}).get("region") or [] if isinstance(r, str))
            pattern = (index.get("state_keys") or {}).get("compartment")
            if isinstance(pattern, str) and pattern:
                compartment_pattern = pattern
        retention = dict(DEFAULT_RETENTION)
        regie_organisations = DEFAULT_REGIE_ORGANISATIONS
        policy_path = directory / "policy.json"
        if not policy_path.is_file():
            missing.append(str(policy_path))
        else:
            policy = json.loads(policy_path.read_text(encoding="utf8"))
            loaded = policy.get("retention") or {}
            for key in DEFAULT_RETENTION:
                if not isinstance(loaded.get(key), int):
                    raise SchemaFilesMissing(f"casusruimte guard: {policy_path} lacks retention.{key}")
                retention[key] = loaded[key]
            orgs = policy.get("regie_organisations")
            if not isinstance(orgs, list) or not orgs or not all(isinstance(o, str) for o in orgs):
                raise SchemaFilesMissing(f"casusruimte guard: {policy_path} lacks regie_organisations")
            regie_organisations = frozenset(orgs)
            grounds = policy.get("statutory_purposes")
            if isinstance(grounds, dict):
                statutory_purposes = {
                    g: tuple(p for p in ps if isinstance(p, str)) for g, ps in grounds.items() if isinstance(ps, list)
                }
            legacy = policy.get("legacy_purposes")
            if isinstance(legacy, list):
                legacy_purposes = tuple(p for p in legacy if isinstance(p, str))
        if missing:
            raise SchemaFilesMissing(
                "casusruimte guard: missing JSON Schema file(s) "
                + ", ".join(missing)
                + ". They are generated from the zod schemas: run `npm run schemas` "
                "(the project's start and test commands do this)."
            )
        return cls(
            validators,
            allow_list,
            retention,
            regie_organisations,
            regions,
            statutory_purposes,
            legacy_purposes,
            compartment_pattern,
        )

    def purposes_covered(self, entry: Mapping[str, Any]) -> set[str]:
        """purposesCovered of src/lib/case/compartments.ts: what one access entry covers now."""
        listed = entry.get("purposes")
        listed = [p for p in listed if isinstance(p, str)] if isinstance(listed, (list, tuple)) else None
        if entry.get("basis") == "statutory":
            ground = set(self.statutory_purposes.get(str(entry.get("ground")), ()))
            return ground & set(listed) if listed is not None else ground
        if entry.get("basis") == "consent":
            return set(listed) if listed is not None else set(self.legacy_purposes)
        return set()

    def allowed(self, kind: str, event_type: str) -> Allowed | None:
        return (self.allow_list.get(kind) or {}).get(event_type)

    def problem(self, event_type: str, content: Any, validator: Validator | None = None) -> str | None:
        """What is wrong with the content (as the event carries it: Synapse's frozen
        mappings or plain JSON), or None when it is valid (or has no schema)."""
        validator = validator or self.validators.get(event_type)
        if validator is None:
            return None
        if validator.fast is not None and validator.fast(content):
            return _refinement_problem(event_type, content)
        content = _plain(content)
        problems: list[str] = []
        for error in sorted(validator.full.iter_errors(content), key=lambda e: [str(p) for p in e.absolute_path]):
            text = describe(error)
            if text not in problems:
                problems.append(text)
        if problems:
            # A few at a time is enough to fix the request; the rest follow.
            return "; ".join(problems[:5])
        return _refinement_problem(event_type, content)


def _refinement_problem(event_type: str, content: Any) -> str | None:
    """Rules the zod schemas add with .refine(), which JSON Schema cannot express."""
    if event_type == ACCESS and isinstance(content, Mapping):
        orgs = [o.get("org") for o in content.get("organisations", []) if isinstance(o, Mapping)]
        if len(set(orgs)) != len(orgs):
            # Same wording as AccessState's refine in src/lib/case/state.ts.
            return "organisations: an organisation appears more than once"
    return None


def field_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _pick_branch(error: ValidationError) -> ValidationError | None:
    """For anyOf/oneOf: the most telling error inside the alternatives."""
    if not error.context:
        return None
    # Group the sub-errors by alternative; an alternative whose discriminator
    # (a `const` property such as basis) matched says more than one that did not.
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)

    def score(errors: list[ValidationError]) -> tuple:
        wrong_kind = any(e.validator in ("const", "type") and len(e.relative_path) <= 1 for e in errors)
        return (wrong_kind, len(errors))

    best = min(branches.values(), key=score)
    # If every alternative is the wrong kind (for example text where null or a
    # date is allowed), the caller describes the alternatives together instead.
    if score(best)[0]:
        return None
    return max(best, key=lambda e: len(e.path))


def _discriminator(error: ValidationError) -> str | None:
    """When every alternative of a union fails on the same constant field (a
    discriminator such as `basis`), say which values that field may take."""
    per_branch: dict[int, dict[str, Any]] = {}
    for sub in error.context or []:
        if sub.validator == "const" and len(sub.relative_path) == 1:
            per_branch.setdefault(sub.schema_path[0], {})[str(sub.relative_path[0])] = sub.validator_value
    if len(per_branch) != len(error.validator_value):
        return None
    keys = set.intersection(*(set(b) for b in per_branch.values()))
    if not keys:
        return None
    key = sorted(keys)[0]
    values = ", ".join(json.dumps(b[key]) for b in per_branch.values())
    return _with_path(list(error.absolute_path) + [key], f"must be one of {values}")


def describe(error: ValidationError) -> str:
    if error.validator in ("anyOf", "oneOf"):
        inner = _pick_branch(error)
        if inner is not None:
            return describe(inner)
        by_discriminator = _discriminator(error)
        if by_discriminator:
            return by_discriminator
        return _with_path(error.absolute_path, "must be " + " or ".join(_expectation(s) for s in error.validator_value))

    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    v = error.validator
    if v == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [k for k in error.validator_value if k not in instance]
        if len(missing) == 1:
            return _with_path(path + missing, "is missing")
        return _with_path(path, "lacks the fields " + ", ".join(missing))
    if v == "additionalProperties":
        allowed = ", ".join(schema.get("properties", {}).keys())
        # The unexpected field's name is not repeated: it could itself be personal data.
        return _with_path(path, f"has a field that is not allowed here (allowed: {allowed})")
    if v == "type":
        return _with_path(path, "must be " + _expectation(schema, use_description=False))
    if v == "const":
        return _with_path(path, f"must be {json.dumps(error.validator_value)}")
    if v == "enum":
        return _with_path(path, "must be one of " + ", ".join(str(x) for x in error.validator_value))
    if v in ("pattern", "format"):
        # The description is the zod schema's own message ("a case reference looks like …").
        if "description" in schema:
            return _with_path(path, str(schema["description"]))
        return _with_path(path, "must be " + _expectation(schema))
    if v in ("minimum", "exclusiveMinimum"):
        return _with_path(path, f"must be at least {error.validator_value}")
    if v in ("maximum", "exclusiveMaximum"):
        return _with_path(path, f"must be at most {error.validator_value}")
    if v == "maxItems":
        return _with_path(path, f"has more than {error.validator_value} entries")
    if v == "minItems":
        return _with_path(path, f"needs at least {error.validator_value} entries")
    if v in ("maxLength", "minLength"):
        return _with_path(path, "has the wrong length")
    return _with_path(path, f"is not valid ({v})")


def _expectation(schema: Any, use_description: bool = True) -> str:
    if not isinstance(schema, dict):
        return "valid"
    if use_description and "description" in schema:
        return str(schema["description"])
    if schema.get("format") in _FORMAT_WORDS:
        return _FORMAT_WORDS[schema["format"]]
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(str(x) for x in schema["enum"])
    if "pattern" in schema:
        return "in the expected form"
    kind = schema.get("type")
    if isinstance(kind, str):
        return _TYPE_WORDS.get(kind, kind)
    return "valid"


def _with_path(path: Iterable[Any], text: str) -> str:
    where = field_path(path)
    return f"{where}: {text}" if where else f"the content {text}"
