"""The rule decisions, one per rule, each with its forbidden and its legitimate variant."""

import pytest

from casusruimte_guard.rules import (
    ACCESS,
    CASE,
    CASE_ROOM_TYPE,
    REGIE,
    TRIAGE_STATUS,
    DirectoryEntry,
    Event,
    Room,
    Rules,
)
from samples import SERVICE, access_content, case_content, regie_content, triage_content

HOLDER = "@csg.mulder:localhost"
DEPUTY = "@vt.visser:localhost"
CHAIR = "@mdt.voorzitter:localhost"
MEMBER = "@politie.jansen:localhost"
OUTSIDER = "@om.vos:localhost"
SECRET = "Jan Jansen"

DIRECTORY = {
    HOLDER: DirectoryEntry("CSG", ("professional",), True),
    DEPUTY: DirectoryEntry("VT", ("professional",), True),
    CHAIR: DirectoryEntry("VT", ("professional", "chair"), True),
    MEMBER: DirectoryEntry("POLITIE", ("professional",), True),
    OUTSIDER: DirectoryEntry("OM", ("professional",), True),
}


@pytest.fixture
def rules(schemas):
    return Rules(SERVICE, schemas)


def case_room(extra_state=None):
    state = {
        ("m.room.create", ""): {"type": CASE_ROOM_TYPE, "m.federate": False, "room_version": "12"},
        ("m.room.join_rules", ""): {"join_rule": "invite"},
        (CASE, ""): case_content(),
        (ACCESS, ""): access_content("CSG", "VT", "POLITIE"),
        (REGIE, ""): regie_content(HOLDER, DEPUTY),
        ("m.room.member", SERVICE): {"membership": "join"},
        ("m.room.member", HOLDER): {"membership": "join"},
        ("m.room.member", MEMBER): {"membership": "join"},
    }
    state.update(extra_state or {})
    return Room(state=state, creator=SERVICE)


OTHER_ROOM = Room(state={("m.room.create", ""): {"room_version": "12"}}, creator=MEMBER)


def state(type_, content, sender=HOLDER, key=""):
    return Event(type=type_, sender=sender, content=content, state_key=key)


def timeline(type_, content, sender=MEMBER):
    return Event(type=type_, sender=sender, content=content)


def member(target, membership, sender=None):
    return Event(type="m.room.member", sender=sender or target, content={"membership": membership}, state_key=target)


def verdict(rules, event, room, directory=DIRECTORY):
    refusal = rules.check(event, room, directory)
    return None if refusal is None else (refusal.rule, refusal.status, refusal.errcode)


FORBIDDEN = 403, "M_FORBIDDEN"


# --- creating case rooms -----------------------------------------------------------


def test_only_the_service_creates_case_rooms(rules):
    create = {"type": CASE_ROOM_TYPE, "m.federate": False}
    assert verdict(rules, state("m.room.create", create, sender=MEMBER), Room()) == ("role", *FORBIDDEN)
    assert verdict(rules, state("m.room.create", create, sender=SERVICE), Room()) is None
    assert verdict(rules, state("m.room.create", {}, sender=MEMBER), Room()) is None


def test_the_service_creates_a_case_room_with_its_initial_state(rules):
    # createRoom: the state before each initial event holds only what is already stored.
    fresh = Room(state={("m.room.create", ""): {"type": CASE_ROOM_TYPE}}, creator=SERVICE)
    assert verdict(rules, member(SERVICE, "join"), fresh) is None
    for type_, content in [
        ("m.room.power_levels", {"users": {HOLDER: 50}}),
        ("m.room.join_rules", {"join_rule": "invite"}),
        ("m.room.history_visibility", {"history_visibility": "shared"}),
        ("m.room.guest_access", {"guest_access": "forbidden"}),
        ("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}),
        (CASE, case_content(phase="first_contact")),
        (ACCESS, access_content("CSG")),
        (REGIE, regie_content(HOLDER)),
    ]:
        assert verdict(rules, state(type_, content, sender=SERVICE), fresh) is None, type_


# --- encryption ------------------------------------------------------------------------


ENVELOPE = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEn…", "session_id": "s1", "sender_key": "k", "device_id": "D"}


def test_encrypted_events_pass_with_only_the_envelope(rules):
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE), case_room()) is None
    reply = {**ENVELOPE, "m.relates_to": {"rel_type": "m.thread", "event_id": "$x"}}
    assert verdict(rules, timeline("m.room.encrypted", reply), case_room()) is None
    assert verdict(rules, timeline("m.room.encrypted", {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "x", "session_id": "s"}), case_room()) is None


def test_encrypted_events_with_plaintext_beside_the_ciphertext_are_refused(rules):
    refusal = rules.check(timeline("m.room.encrypted", {**ENVELOPE, "body": SECRET}), case_room(), DIRECTORY)
    assert refusal.rule == "unencrypted" and SECRET not in refusal.message and "body" not in refusal.message
    assert verdict(rules, timeline("m.room.encrypted", {**ENVELOPE, "algorithm": "m.olm.v1.curve25519-aes-sha2"}), case_room())[0] == "unencrypted"
    assert verdict(rules, timeline("m.room.encrypted", {"algorithm": "m.megolm.v1.aes-sha2"}), case_room())[0] == "unencrypted"


@pytest.mark.parametrize(
    ("type_", "content"),
    [
        ("m.room.message", {"msgtype": "m.text", "body": SECRET}),
        ("m.room.message", {"msgtype": "m.notice", "body": SECRET}),  # a notice, but not from the service
        ("nl.casusruimte.intake", {"v": 1}),
        ("nl.casusruimte.triage", {"v": 1}),
        ("m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$x", "key": "👍"}}),
        ("m.sticker", {"body": "x"}),
        ("org.matrix.dummy_event", {"body": SECRET}),
    ],
)
def test_plaintext_timeline_events_are_refused_in_case_rooms(rules, type_, content):
    refusal = rules.check(timeline(type_, content), case_room(), DIRECTORY)
    assert (refusal.rule, refusal.status, refusal.errcode) == ("unencrypted", *FORBIDDEN)
    assert SECRET not in refusal.message
    assert refusal.text.startswith("casusruimte: ")


def test_the_services_notice_and_synapses_own_dummy_events_pass(rules):
    assert verdict(rules, timeline("m.room.message", {"msgtype": "m.notice", "body": "Toegangsreview gevraagd"}, sender=SERVICE), case_room()) is None
    assert verdict(rules, timeline("org.matrix.dummy_event", {}, sender=MEMBER), case_room()) is None


def test_only_the_service_redacts(rules):
    assert verdict(rules, timeline("m.room.redaction", {"redacts": "$x"}, sender=HOLDER), case_room()) == ("role", *FORBIDDEN)
    assert verdict(rules, timeline("m.room.redaction", {"redacts": "$x"}, sender=SERVICE), case_room()) is None


def test_casusruimte_timeline_events_are_refused_in_plaintext_anywhere(rules):
    assert verdict(rules, timeline("nl.casusruimte.triage", {"v": 1}), OTHER_ROOM) == ("unencrypted", *FORBIDDEN)
    assert verdict(rules, timeline("nl.casusruimte.update", {}, sender=SERVICE), OTHER_ROOM)[0] == "unencrypted"
    # ordinary rooms are otherwise left alone
    assert verdict(rules, timeline("m.room.message", {"msgtype": "m.text", "body": "hoi"}), OTHER_ROOM) is None
    assert verdict(rules, timeline("m.reaction", {}), OTHER_ROOM) is None


# --- plaintext casusruimte state outside case rooms ------------------------------------------


def test_directory_state_is_the_services(rules):
    directory_room = Room(state={("m.room.create", ""): {}}, creator=SERVICE)
    entry = {"v": 1, "org": "CSG", "roles": ["professional"], "display_name": "x", "active": True, "updated_at": 1}
    assert verdict(rules, state("nl.casusruimte.directory.user", entry, sender=SERVICE, key=f"user:{HOLDER}"), directory_room) is None
    assert verdict(rules, state("nl.casusruimte.directory.organisations", {"v": 1}, sender=SERVICE), directory_room) is None
    assert verdict(rules, state("nl.casusruimte.directory.user", entry, sender=MEMBER, key=f"user:{MEMBER}"), directory_room) == ("role", *FORBIDDEN)


def test_case_state_outside_a_case_room_is_refused(rules):
    assert verdict(rules, state(CASE, case_content(), sender=MEMBER), OTHER_ROOM) == ("unencrypted", *FORBIDDEN)
    assert verdict(rules, state(CASE, case_content(), sender=SERVICE), OTHER_ROOM)[0] == "unencrypted"
    assert verdict(rules, state("m.room.topic", {"topic": "x"}, sender=MEMBER), OTHER_ROOM) is None


def test_other_casusruimte_state_types_are_refused_in_case_rooms(rules):
    for type_ in ("nl.casusruimte.intake", "nl.casusruimte.directory.user", "nl.casusruimte.notes"):
        assert verdict(rules, state(type_, {"v": 1}, sender=SERVICE, key="x"), case_room()) == ("unencrypted", *FORBIDDEN)


# --- membership -----------------------------------------------------------------------


def test_leaving_kicking_and_banning_always_work(rules):
    assert verdict(rules, member(MEMBER, "leave"), case_room()) is None
    assert verdict(rules, member(MEMBER, "leave", sender=HOLDER), case_room()) is None
    assert verdict(rules, member(MEMBER, "ban", sender=SERVICE), case_room()) is None
    # even someone the directory no longer knows
    assert verdict(rules, member(MEMBER, "leave"), case_room(), directory={}) is None


def test_invites_need_a_covered_organisation(rules):
    room = case_room()
    assert verdict(rules, member(DEPUTY, "invite", sender=HOLDER), room) is None
    refusal = rules.check(member(OUTSIDER, "invite", sender=HOLDER), room, DIRECTORY)
    assert (refusal.rule, refusal.status) == ("invite_not_covered", 403)
    assert OUTSIDER in refusal.message and "OM" in refusal.message
    unknown = "@nobody:localhost"
    assert verdict(rules, member(unknown, "invite", sender=HOLDER), room)[0] == "invite_not_covered"
    inactive = {**DIRECTORY, DEPUTY: DirectoryEntry("VT", ("professional",), False)}
    assert verdict(rules, member(DEPUTY, "invite", sender=HOLDER), room, inactive)[0] == "invite_not_covered"
    # also for the service account
    assert verdict(rules, member(OUTSIDER, "invite", sender=SERVICE), room)[0] == "invite_not_covered"


def test_joins_need_an_invitation(rules):
    assert verdict(rules, member(DEPUTY, "join"), case_room()) == ("join_not_invited", *FORBIDDEN)
    left = case_room({("m.room.member", DEPUTY): {"membership": "leave"}})
    assert verdict(rules, member(DEPUTY, "join"), left)[0] == "join_not_invited"
    invited = case_room({("m.room.member", DEPUTY): {"membership": "invite"}})
    assert verdict(rules, member(DEPUTY, "join"), invited) is None
    assert verdict(rules, member(DEPUTY, "knock"), case_room())[0] == "join_not_invited"


def test_an_invited_user_whose_organisation_lost_coverage_cannot_join(rules):
    room = case_room({("m.room.member", OUTSIDER): {"membership": "invite"}})
    assert verdict(rules, member(OUTSIDER, "join"), room)[0] == "invite_not_covered"


def test_profile_changes_of_members_pass(rules):
    assert verdict(rules, member(MEMBER, "join"), case_room(), directory={}) is None


def test_membership_rules_apply_to_case_rooms_only(rules):
    assert verdict(rules, member(OUTSIDER, "join"), OTHER_ROOM) is None
    assert verdict(rules, member(OUTSIDER, "invite", sender=MEMBER), OTHER_ROOM) is None


# --- room settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "bad", "good", "rule"),
    [
        ("m.room.join_rules", {"join_rule": "public"}, {"join_rule": "invite"}, "join_rule"),
        ("m.room.join_rules", {"join_rule": "knock"}, {"join_rule": "invite"}, "join_rule"),
        ("m.room.history_visibility", {"history_visibility": "world_readable"}, {"history_visibility": "joined"}, "history_visibility"),
        ("m.room.guest_access", {"guest_access": "can_join"}, {"guest_access": "forbidden"}, "guest_access"),
        ("m.room.canonical_alias", {"alias": "#casus:localhost"}, {}, "alias"),
        ("m.room.canonical_alias", {"alt_aliases": ["#casus:localhost"]}, {"alt_aliases": []}, "alias"),
    ],
)
def test_case_room_settings_stay_closed_even_for_the_service(rules, type_, bad, good, rule):
    assert verdict(rules, state(type_, bad, sender=SERVICE), case_room()) == (rule, *FORBIDDEN)
    assert verdict(rules, state(type_, good, sender=SERVICE), case_room()) is None
    # ordinary rooms decide for themselves
    assert verdict(rules, state(type_, bad, sender=MEMBER), OTHER_ROOM) is None


# --- who may change the case state -----------------------------------------------------------


@pytest.mark.parametrize("type_,content", [(CASE, case_content()), (TRIAGE_STATUS, triage_content()), (ACCESS, access_content("CSG", "VT"))])
def test_coordinators_and_the_service_change_case_state(rules, type_, content):
    for sender in (SERVICE, HOLDER, DEPUTY, CHAIR):
        assert verdict(rules, state(type_, content, sender=sender), case_room()) is None, sender
    assert verdict(rules, state(type_, content, sender=MEMBER), case_room()) == ("role", *FORBIDDEN)
    # a chair whose account is disabled in the directory is no chair
    disabled = {**DIRECTORY, CHAIR: DirectoryEntry("VT", ("professional", "chair"), False)}
    assert verdict(rules, state(type_, content, sender=CHAIR), case_room(), disabled)[0] == "role"


def test_regie_changes_only_through_the_service(rules):
    content = regie_content(DEPUTY, HOLDER)
    assert verdict(rules, state(REGIE, content, sender=SERVICE), case_room()) is None
    for sender in (HOLDER, CHAIR, MEMBER):
        assert verdict(rules, state(REGIE, content, sender=sender), case_room()) == ("role", *FORBIDDEN)


def test_case_state_has_an_empty_state_key(rules):
    assert verdict(rules, state(CASE, case_content(), sender=SERVICE, key="x"), case_room()) == ("schema", 400, "M_BAD_JSON")


def test_schema_violations_are_bad_json(rules):
    refusal = rules.check(state(CASE, case_content(reference=SECRET)), case_room(), DIRECTORY)
    assert (refusal.rule, refusal.status, refusal.errcode) == ("schema", 400, "M_BAD_JSON")
    assert refusal.text == "casusruimte: nl.casusruimte.case: reference: a case reference looks like DH-2026-0142: region code, year, number"
    refusal = rules.check(state(ACCESS, {**access_content("CSG"), "names": [SECRET]}), case_room(), DIRECTORY)
    assert refusal.rule == "schema" and SECRET not in refusal.text


def test_role_is_checked_before_the_content(rules):
    assert verdict(rules, state(CASE, case_content(reference=SECRET), sender=MEMBER), case_room())[0] == "role"


@pytest.mark.parametrize(
    ("field", "value"),
    [("reference", "DH-2026-0143"), ("region", "OB"), ("first_report_at", "2026-11-19T09:30:00Z")],
)
def test_identifying_case_fields_never_change(rules, field, value):
    refusal = rules.check(state(CASE, case_content(**{field: value}), sender=SERVICE), case_room(), DIRECTORY)
    assert (refusal.rule, refusal.status) == ("immutable", 403)
    assert field in refusal.message and value not in refusal.message


def test_the_phase_never_goes_back(rules):
    room = case_room({(CASE, ""): case_content(phase="regie")})
    assert verdict(rules, state(CASE, case_content(phase="triage")), room) == ("phase", *FORBIDDEN)
    assert verdict(rules, state(CASE, case_content(phase="first_contact"), sender=SERVICE), room)[0] == "phase"
    assert verdict(rules, state(CASE, case_content(phase="regie", acute=False)), room) is None
    assert verdict(rules, state(CASE, case_content(phase="closed", closed_at="2026-12-01T10:00:00Z")), room) is None


# --- which directory entries the caller fetches ------------------------------------------------


def test_users_to_look_up(rules):
    room = case_room({("m.room.member", DEPUTY): {"membership": "invite"}})
    assert rules.users_to_look_up(member(OUTSIDER, "invite", sender=HOLDER), room) == {OUTSIDER}
    assert rules.users_to_look_up(member(DEPUTY, "join"), room) == {DEPUTY}
    assert rules.users_to_look_up(member(MEMBER, "join"), room) == set()
    assert rules.users_to_look_up(member(MEMBER, "leave"), room) == set()
    assert rules.users_to_look_up(state(CASE, {}, sender=CHAIR), room) == {CHAIR}
    assert rules.users_to_look_up(state(CASE, {}, sender=HOLDER), room) == set()
    assert rules.users_to_look_up(state(CASE, {}, sender=SERVICE), room) == set()
    assert rules.users_to_look_up(timeline("m.room.encrypted", ENVELOPE), room) == set()
    assert rules.users_to_look_up(member(OUTSIDER, "invite", sender=MEMBER), OTHER_ROOM) == set()


def test_directory_entries_are_parsed_defensively():
    assert DirectoryEntry.parse({"v": 1, "org": "CSG", "roles": ["chair"], "active": True, "display_name": "x", "updated_at": 1}) == DirectoryEntry("CSG", ("chair",), True)
    assert DirectoryEntry.parse({}) is None
    assert DirectoryEntry.parse(None) is None
    assert DirectoryEntry.parse({"org": "CSG", "roles": "chair", "active": True}) is None
    assert DirectoryEntry.parse({"org": "CSG", "roles": ["chair"], "active": "yes"}) is None
