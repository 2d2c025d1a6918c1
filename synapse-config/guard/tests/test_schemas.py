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
