"""The rule decisions, one per rule, each refusal paired with the legitimate act it must not block."""

import pytest

from casusruimte_guard.rules import (
    ACCESS,
    CASE,
    CASE_ROOM_TYPE,
    REGIE,
    TRIAGE_STATUS,
    Context,
    DirectoryEntry,
    Event,
    Room,
    Rules,
    add_months,
    parse_instant,
    retention_allowed,
)
from samples import SERVICE, access_content, case_content, regie_content, triage_content

HOLDER = "@csg.mulder:localhost"
DEPUTY = "@vt.visser:localhost"
CHAIR = "@mdt.voorzitter:localhost"
MEMBER = "@politie.jansen:localhost"
OUTSIDER = "@om.vos:localhost"
OFFICER = "@privacy.officer:localhost"
ADMIN = "@beheerder:localhost"
NEWCOMER = "@vt.devries:localhost"
SECRET = "Jan Jansen"
ORGS = frozenset({"CSG", "VT", "POLITIE", "OM", "SHN", "PH"})
# 2026-12-01T10:00:00Z
NOW = 1_796_119_200_000
NOW_ISO = "2026-12-01T10:00:00Z"


def entry(org, *roles, active=True, name=None):
    return DirectoryEntry(org, roles or ("professional",), active, name)


DIRECTORY = {
    HOLDER: entry("CSG", name="Mulder"),
    DEPUTY: entry("VT", name="Visser"),
    CHAIR: entry("VT", "professional", "chair", name="Voorzitter"),
    MEMBER: entry("POLITIE", name="Jansen"),
    OUTSIDER: entry("OM", name="Vos"),
    OFFICER: entry("CSG", "privacy-officer", name="Officer"),
    ADMIN: entry("CSG", "admin", name="Beheerder"),
    NEWCOMER: entry("VT", name="De Vries"),
}

SESSION = "A" * 43
ENVELOPE = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnB4c2Vzc2lvbg+/", "session_id": SESSION}
NOTICE = {
    "msgtype": "m.notice",
    "body": "De bevoegdheden in deze casus zijn bijgewerkt naar de huidige rollen in de adreslijst.",
    "nl.casusruimte.notice": "authority-updated",
}


@pytest.fixture
def rules(schemas):
    return Rules(SERVICE, schemas)


def case_room(extra_state=None, phase="triage"):
    state = {
        ("m.room.create", ""): {"type": CASE_ROOM_TYPE, "m.federate": False, "room_version": "12"},
        ("m.room.join_rules", ""): {"join_rule": "invite"},
        (CASE, ""): case_content(phase=phase),
        (ACCESS, ""): access_content("CSG", "VT", "POLITIE"),
        (REGIE, ""): regie_content(HOLDER, DEPUTY),
        ("m.room.member", SERVICE): {"membership": "join"},
        ("m.room.member", HOLDER): {"membership": "join"},
        ("m.room.member", DEPUTY): {"membership": "join"},
        ("m.room.member", CHAIR): {"membership": "join"},
        ("m.room.member", MEMBER): {"membership": "join"},
    }
    if phase == "closed":
        state[(CASE, "")] = closed_case()
    state.update(extra_state or {})
    return Room(state=state, creator=SERVICE)


def closed_case(**changes):
    return case_content(**{"phase": "closed", "closed_at": NOW_ISO, "retention_until": "2027-12-01T10:00:00Z", **changes})


DIRECTORY_ROOM = Room(
    state={
        ("m.room.create", ""): {"room_version": "12"},
        ("m.room.member", SERVICE): {"membership": "join"},
    },
    creator=SERVICE,
)
OTHER_ROOM = Room(state={("m.room.create", ""): {"room_version": "12"}}, creator=MEMBER)


def state(type_, content, sender=HOLDER, key=""):
    return Event(type=type_, sender=sender, content=content, state_key=key)


def timeline(type_, content, sender=MEMBER):
    return Event(type=type_, sender=sender, content=content)


def member(target, membership, sender=None, **content):
    return Event(type="m.room.member", sender=sender or target, content={"membership": membership, **content}, state_key=target)


def verdict(rules, event, room, directory=DIRECTORY, organisations=ORGS, now=NOW):
    refusal = rules.check(event, room, Context(directory, organisations, now))
    return None if refusal is None else (refusal.rule, refusal.status, refusal.errcode)


FORBIDDEN = 403, "M_FORBIDDEN"
BAD_JSON = 400, "M_BAD_JSON"


# --- creating rooms ------------------------------------------------------------------


def test_only_the_service_creates_rooms(rules):
    create = {"type": CASE_ROOM_TYPE, "m.federate": False, "room_version": "12"}
    assert verdict(rules, state("m.room.create", create, sender=MEMBER), Room()) == ("role", *FORBIDDEN)
    assert verdict(rules, state("m.room.create", create, sender=SERVICE), Room()) is None
    assert verdict(rules, state("m.room.create", {"room_version": "12"}, sender=MEMBER), Room()) == ("room_creation", *FORBIDDEN)
    assert verdict(rules, state("m.room.create", {"room_version": "12"}, sender=SERVICE), Room()) is None
    # a case room is never federated
    assert verdict(rules, state("m.room.create", {**create, "m.federate": True}, sender=SERVICE), Room()) == ("schema", *BAD_JSON)


def test_the_service_creates_a_case_room_with_its_initial_state(rules):
    # createRoom: the state before each initial event holds only what is already stored.
    fresh = Room(state={("m.room.create", ""): {"type": CASE_ROOM_TYPE}}, creator=SERVICE)
    assert verdict(rules, member(SERVICE, "join", displayname="casusruimte-service"), fresh) is None
    for type_, content in [
        ("m.room.power_levels", {"users": {HOLDER: 50}, "users_default": 0, "events": {"m.room.name": 100}, "historical": 100, "notifications": {"room": 50}}),
        ("m.room.join_rules", {"join_rule": "invite"}),
        ("m.room.history_visibility", {"history_visibility": "shared"}),
        ("m.room.guest_access", {"guest_access": "forbidden"}),
        ("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2", "rotation_period_ms": 604800000, "rotation_period_msgs": 100}),
        ("m.room.retention", {"max_lifetime": 630720000000}),
        ("m.room.name", {"name": "DH-2026-0142"}),
        (CASE, case_content(phase="first_contact")),
        (ACCESS, access_content("CSG")),
        (REGIE, regie_content(HOLDER)),
    ]:
        assert verdict(rules, state(type_, content, sender=SERVICE), fresh) is None, type_
    # the requester's invitation, once the access state is there
    room = Room(state={**fresh.state, (ACCESS, ""): access_content("CSG")}, creator=SERVICE)
    assert verdict(rules, member(HOLDER, "invite", sender=SERVICE, displayname="Mulder"), room) is None


def test_the_service_state_holds_only_the_templates_values(rules):
    assert verdict(rules, state("m.room.name", {"name": SECRET}, sender=SERVICE), case_room())[0] == "schema"
    assert verdict(rules, state("m.room.encryption", {"algorithm": "m.olm.v1.curve25519-aes-sha2"}, sender=SERVICE), case_room())[0] == "schema"
    assert verdict(rules, state("m.room.power_levels", {"users": {HOLDER: 50}, "note": SECRET}, sender=SERVICE), case_room())[0] == "schema"
    assert verdict(rules, state("m.room.power_levels", {"users": {HOLDER: 50}}, sender=SERVICE), case_room()) is None
    # and only the service sets it
    assert verdict(rules, state("m.room.power_levels", {"users": {HOLDER: 100}}, sender=CHAIR), case_room()) == ("service_only", *FORBIDDEN)
    assert verdict(rules, state("m.room.name", {"name": "DH-2026-0142"}, sender=HOLDER), case_room()) == ("service_only", *FORBIDDEN)


# --- encryption ------------------------------------------------------------------------


def test_encrypted_events_pass_with_only_the_envelope(rules):
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE), case_room()) is None
    legacy = {**ENVELOPE, "sender_key": "B" * 43, "device_id": "ABCDEFGHIJ"}
    assert verdict(rules, timeline("m.room.encrypted", legacy), case_room()) is None


@pytest.mark.parametrize(
    "content",
    [
        {**ENVELOPE, "body": SECRET},
        {**ENVELOPE, "m.relates_to": {"rel_type": "m.thread", "event_id": "$x"}},
        {**ENVELOPE, "ciphertext": SECRET},
        {**ENVELOPE, "session_id": SECRET},
        {**ENVELOPE, "sender_key": SECRET},
        {**ENVELOPE, "device_id": SECRET},
        {**ENVELOPE, "algorithm": "m.olm.v1.curve25519-aes-sha2"},
        {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AAAA"},
        {**ENVELOPE, "ciphertext": "A" * 65537},
    ],
)
def test_anything_beside_or_instead_of_the_envelope_is_refused(rules, content):
    refusal = rules.check(timeline("m.room.encrypted", content), case_room(), Context(DIRECTORY, ORGS, NOW))
    assert (refusal.rule, refusal.status, refusal.errcode) == ("schema", *BAD_JSON)
    assert SECRET not in refusal.message and "body" not in refusal.message


@pytest.mark.parametrize(
    ("type_", "content"),
    [
        ("m.room.message", {"msgtype": "m.text", "body": SECRET}),
        ("m.room.message", NOTICE),  # a notice, but not from the service
        ("nl.casusruimte.intake", {"v": 1}),
        ("nl.casusruimte.triage", {"v": 1}),
        ("m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$x", "key": "👍"}}),
        ("m.sticker", {"body": "x"}),
    ],
)
def test_plaintext_timeline_events_are_refused_in_case_rooms(rules, type_, content):
    refusal = rules.check(timeline(type_, content), case_room(), Context(DIRECTORY, ORGS, NOW))
    assert (refusal.rule, refusal.status, refusal.errcode) == ("unencrypted", *FORBIDDEN)
    assert SECRET not in refusal.message
    assert refusal.text.startswith("casusruimte: ")


def test_the_service_sends_only_its_fixed_notices(rules):
    assert verdict(rules, timeline("m.room.message", NOTICE, sender=SERVICE), case_room()) is None
    assert verdict(rules, timeline("m.room.message", {**NOTICE, "body": NOTICE["body"] + " Reden: " + SECRET}, sender=SERVICE), case_room())[0] == "schema"
    assert verdict(rules, timeline("m.room.message", {"msgtype": "m.notice", "body": SECRET}, sender=SERVICE), case_room())[0] == "schema"
    assert verdict(rules, timeline("m.room.message", {**NOTICE, "extra": 1}, sender=SERVICE), case_room())[0] == "schema"


def test_synapses_own_dummy_events_are_empty(rules):
    assert verdict(rules, timeline("org.matrix.dummy_event", {}, sender=MEMBER), case_room()) is None
    assert verdict(rules, timeline("org.matrix.dummy_event", {"body": SECRET}), case_room()) == ("schema", *BAD_JSON)


def test_only_the_service_redacts_with_a_code(rules):
    assert verdict(rules, timeline("m.room.redaction", {"redacts": "$x"}, sender=HOLDER), case_room()) == ("role", *FORBIDDEN)
    assert verdict(rules, timeline("m.room.redaction", {"redacts": "$x"}, sender=SERVICE), case_room()) is None
    assert verdict(rules, timeline("m.room.redaction", {"redacts": "$x", "reason": "complaint"}, sender=SERVICE), case_room()) is None
    assert verdict(rules, timeline("m.room.redaction", {"redacts": "$x", "reason": SECRET}, sender=SERVICE), case_room())[0] == "schema"


# --- rooms outside the product ---------------------------------------------------------


def test_no_plaintext_in_rooms_outside_the_product(rules):
    assert verdict(rules, timeline("nl.casusruimte.triage", {"v": 1}), OTHER_ROOM) == ("unencrypted", *FORBIDDEN)
    assert verdict(rules, timeline("nl.casusruimte.update", {}, sender=SERVICE), OTHER_ROOM)[0] == "unencrypted"
    assert verdict(rules, timeline("m.room.message", {"msgtype": "m.text", "body": "hoi"}), OTHER_ROOM) == ("unencrypted", *FORBIDDEN)
    assert verdict(rules, state("m.room.topic", {"topic": SECRET}, sender=MEMBER), OTHER_ROOM) == ("unencrypted", *FORBIDDEN)
    assert verdict(rules, state("m.room.encryption", {"algorithm": "none"}, sender=MEMBER), OTHER_ROOM) == ("unencrypted", *FORBIDDEN)
    assert verdict(rules, state(CASE, case_content(), sender=MEMBER), OTHER_ROOM) == ("unencrypted", *FORBIDDEN)
    # what stays possible: encrypted messages, membership, the room's rules
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE), OTHER_ROOM) is None
    assert verdict(rules, member(OUTSIDER, "join"), OTHER_ROOM) is None
    assert verdict(rules, state("m.room.join_rules", {"join_rule": "invite"}, sender=MEMBER), OTHER_ROOM) is None


# --- the directory room ----------------------------------------------------------------


def test_the_directory_is_the_services(rules):
    user = {"v": 1, "org": "CSG", "roles": ["professional"], "display_name": "x", "active": True, "updated_at": 1}
    assert verdict(rules, state("nl.casusruimte.directory.user", user, sender=SERVICE, key=f"user:{HOLDER}"), DIRECTORY_ROOM) is None
    orgs = {"v": 1, "organisations": [{"code": "CSG", "name": "Centrum Seksueel Geweld"}]}
    assert verdict(rules, state("nl.casusruimte.directory.organisations", orgs, sender=SERVICE), DIRECTORY_ROOM) is None
    assert verdict(rules, state("nl.casusruimte.directory.user", user, sender=MEMBER, key=f"user:{MEMBER}"), DIRECTORY_ROOM) == ("service_only", *FORBIDDEN)
    assert verdict(rules, state("nl.casusruimte.directory.user", {**user, "note": SECRET}, sender=SERVICE, key=f"user:{HOLDER}"), DIRECTORY_ROOM)[0] == "schema"
    assert verdict(rules, state("nl.casusruimte.directory.user", user, sender=SERVICE, key=HOLDER), DIRECTORY_ROOM)[0] == "schema"


def test_members_only_join_and_leave_the_directory(rules):
    assert verdict(rules, member(MEMBER, "join", displayname="Jansen"), DIRECTORY_ROOM) is None
    assert verdict(rules, member(MEMBER, "leave"), DIRECTORY_ROOM) is None
    assert verdict(rules, member(OUTSIDER, "invite", sender=MEMBER), DIRECTORY_ROOM) == ("service_only", *FORBIDDEN)
    assert verdict(rules, member(OUTSIDER, "leave", sender=MEMBER), DIRECTORY_ROOM) == ("service_only", *FORBIDDEN)
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE), DIRECTORY_ROOM) == ("not_allowed", *FORBIDDEN)
    assert verdict(rules, timeline("m.room.message", {"msgtype": "m.text", "body": SECRET}), DIRECTORY_ROOM) == ("unencrypted", *FORBIDDEN)
    assert verdict(rules, state("m.room.topic", {"topic": SECRET}, sender=SERVICE), DIRECTORY_ROOM) == ("not_allowed", *FORBIDDEN)


# --- the allow-list of state types ---------------------------------------------------------


def test_other_state_types_are_refused_in_case_rooms(rules):
    for type_ in ("nl.casusruimte.intake", "nl.casusruimte.directory.user", "nl.casusruimte.notes", "m.room.topic", "m.room.avatar", "com.example.note", "m.room.pinned_events"):
        for sender in (SERVICE, HOLDER, CHAIR):
            assert verdict(rules, state(type_, {"v": 1}, sender=sender, key=""), case_room()) == ("not_allowed", *FORBIDDEN), (type_, sender)


# --- membership -----------------------------------------------------------------------


def test_leaving_always_works_and_removal_is_for_coordinators(rules):
    assert verdict(rules, member(MEMBER, "leave"), case_room()) is None
    assert verdict(rules, member(MEMBER, "leave", reason="no-longer-involved"), case_room()) is None
    # even someone the directory no longer knows
    assert verdict(rules, member(MEMBER, "leave"), case_room(), directory={}) is None
    for remover in (HOLDER, DEPUTY, CHAIR, SERVICE):
        assert verdict(rules, member(MEMBER, "leave", sender=remover, reason="not-covered"), case_room()) is None, remover
    assert verdict(rules, member(HOLDER, "leave", sender=MEMBER), case_room()) == ("not_coordinator", *FORBIDDEN)
    # a chair who lost the role keeps power 50 in the room, but not the right to remove
    demoted = {**DIRECTORY, CHAIR: entry("VT", name="Voorzitter")}
    assert verdict(rules, member(MEMBER, "leave", sender=CHAIR), case_room(), demoted) == ("not_coordinator", *FORBIDDEN)
    assert verdict(rules, member(MEMBER, "ban", sender=SERVICE, reason="access-review"), case_room()) is None
    assert verdict(rules, member(MEMBER, "ban", sender=HOLDER), case_room()) == ("service_only", *FORBIDDEN)


def test_membership_reasons_are_codes(rules):
    refusal = rules.check(member(MEMBER, "leave", sender=HOLDER, reason=SECRET), case_room(), Context(DIRECTORY, ORGS, NOW))
    assert (refusal.rule, refusal.status) == ("schema", 400) and SECRET not in refusal.message
    assert verdict(rules, member(MEMBER, "leave", reason=SECRET), case_room())[0] == "schema"
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER, reason=SECRET), case_room())[0] == "schema"
    # an invite takes an invite reason, a removal a removal reason
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER, reason="not-covered"), case_room())[0] == "schema"
    assert verdict(rules, member(MEMBER, "leave", sender=HOLDER, reason="mdt-triage"), case_room())[0] == "schema"
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER, reason="mdt-triage"), case_room()) is None
    assert verdict(rules, member(MEMBER, "leave", sender=HOLDER, reason="consent-withdrawn"), case_room()) is None


def test_member_events_carry_only_the_directorys_display_name(rules):
    assert verdict(rules, member(MEMBER, "join", displayname="Jansen"), case_room()) is None
    assert verdict(rules, member(MEMBER, "join", displayname=SECRET), case_room()) == ("profile", *FORBIDDEN)
    assert verdict(rules, member(MEMBER, "join", displayname="Jansen", avatar_url="mxc://x/y"), case_room())[0] == "schema"
    assert verdict(rules, member(MEMBER, "join", displayname="Jansen", note=SECRET), case_room())[0] == "schema"
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER, displayname="De Vries"), case_room()) is None
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER, displayname=SECRET), case_room()) == ("profile", *FORBIDDEN)
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER, third_party_invite={"signed": {}}), case_room())[0] == "schema"


def test_invites_follow_the_directory_and_the_access_basis_now(rules):
    room = case_room()
    for inviter in (HOLDER, DEPUTY, CHAIR, SERVICE):
        assert verdict(rules, member(NEWCOMER, "invite", sender=inviter), room) is None, inviter
    refusal = rules.check(member(OUTSIDER, "invite", sender=HOLDER), room, Context(DIRECTORY, ORGS, NOW))
    assert (refusal.rule, refusal.status) == ("invite_not_covered", 403)
    assert OUTSIDER in refusal.message and "OM" in refusal.message
    assert verdict(rules, member("@nobody:localhost", "invite", sender=HOLDER), room)[0] == "invite_not_covered"
    inactive = {**DIRECTORY, NEWCOMER: entry("VT", active=False)}
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER), room, inactive)[0] == "invite_not_covered"
    # also for the service account
    assert verdict(rules, member(OUTSIDER, "invite", sender=SERVICE), room)[0] == "invite_not_covered"
    # a privacy officer or administrator of a covered organisation is never invited
    assert verdict(rules, member(OFFICER, "invite", sender=HOLDER), room) == ("invite_role", *FORBIDDEN)
    assert verdict(rules, member(ADMIN, "invite", sender=CHAIR), room) == ("invite_role", *FORBIDDEN)
    # a chair of a covered organisation is
    other_chair = {**DIRECTORY, NEWCOMER: entry("VT", "chair")}
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER), room, other_chair) is None


def test_only_current_coordinators_invite(rules):
    room = case_room()
    assert verdict(rules, member(NEWCOMER, "invite", sender=MEMBER), room) == ("not_coordinator", *FORBIDDEN)
    demoted = {**DIRECTORY, CHAIR: entry("VT", name="Voorzitter")}
    assert verdict(rules, member(NEWCOMER, "invite", sender=CHAIR), room, demoted) == ("not_coordinator", *FORBIDDEN)
    # a regiehouder who left the room no longer coordinates it
    gone = case_room({("m.room.member", DEPUTY): {"membership": "leave"}})
    assert verdict(rules, member(NEWCOMER, "invite", sender=DEPUTY), gone) == ("not_coordinator", *FORBIDDEN)


def test_joins_need_an_invitation_and_still_coverage(rules):
    assert verdict(rules, member(NEWCOMER, "join"), case_room()) == ("join_not_invited", *FORBIDDEN)
    left = case_room({("m.room.member", NEWCOMER): {"membership": "leave"}})
    assert verdict(rules, member(NEWCOMER, "join"), left)[0] == "join_not_invited"
    invited = case_room({("m.room.member", NEWCOMER): {"membership": "invite"}})
    assert verdict(rules, member(NEWCOMER, "join"), invited) is None
    assert verdict(rules, member(NEWCOMER, "knock"), case_room())[0] == "join_not_invited"
    # the directory changed since the invitation
    assert verdict(rules, member(NEWCOMER, "join"), invited, {**DIRECTORY, NEWCOMER: entry("VT", "privacy-officer")})[0] == "invite_role"
    assert verdict(rules, member(NEWCOMER, "join"), invited, {**DIRECTORY, NEWCOMER: entry("OM")})[0] == "invite_not_covered"
    assert verdict(rules, member(NEWCOMER, "join"), invited, {**DIRECTORY, NEWCOMER: entry("VT", active=False)})[0] == "invite_not_covered"


def test_a_closed_case_takes_no_new_members(rules):
    closed = case_room(phase="closed")
    assert verdict(rules, member(NEWCOMER, "invite", sender=HOLDER), closed) == ("closed", *FORBIDDEN)
    assert verdict(rules, member(NEWCOMER, "invite", sender=SERVICE), closed) == ("closed", *FORBIDDEN)
    invited = case_room({("m.room.member", NEWCOMER): {"membership": "invite"}}, phase="closed")
    assert verdict(rules, member(NEWCOMER, "join"), invited) == ("closed", *FORBIDDEN)
    # members stay, leave and are removed as before
    assert verdict(rules, member(MEMBER, "join", displayname="Jansen"), closed) is None
    assert verdict(rules, member(MEMBER, "leave"), closed) is None
    assert verdict(rules, member(MEMBER, "leave", sender=SERVICE, reason="case-deleted"), closed) is None


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
        ("m.room.history_visibility", {"history_visibility": "world_readable"}, {"history_visibility": "shared"}, "history_visibility"),
        ("m.room.history_visibility", {"history_visibility": "joined"}, {"history_visibility": "shared"}, "history_visibility"),
        ("m.room.guest_access", {"guest_access": "can_join"}, {"guest_access": "forbidden"}, "guest_access"),
    ],
)
def test_case_room_settings_stay_closed_even_for_the_service(rules, type_, bad, good, rule):
    assert verdict(rules, state(type_, bad, sender=SERVICE), case_room()) == (rule, *FORBIDDEN)
    assert verdict(rules, state(type_, good, sender=SERVICE), case_room()) is None


def test_a_case_room_has_no_alias(rules):
    for content in ({"alias": "#casus:localhost"}, {"alt_aliases": []}, {}):
        assert verdict(rules, state("m.room.canonical_alias", content, sender=SERVICE), case_room()) == ("alias", *FORBIDDEN)
    # the directory room has its one alias
    alias = {"alias": "#casusruimte-directory:localhost"}
    assert verdict(rules, state("m.room.canonical_alias", alias, sender=SERVICE), DIRECTORY_ROOM) is None
    assert verdict(rules, state("m.room.canonical_alias", {"alias": "#x:localhost"}, sender=SERVICE), DIRECTORY_ROOM)[0] == "schema"


# --- who may change the case state -----------------------------------------------------------


@pytest.mark.parametrize("type_,content", [(CASE, case_content()), (TRIAGE_STATUS, triage_content()), (ACCESS, access_content("CSG", "VT"))])
def test_coordinators_and_the_service_change_case_state(rules, type_, content):
    for sender in (SERVICE, HOLDER, DEPUTY, CHAIR):
        assert verdict(rules, state(type_, content, sender=sender), case_room()) is None, sender
    for sender in (MEMBER, OFFICER, ADMIN, OUTSIDER):
        assert verdict(rules, state(type_, content, sender=sender), case_room()) == ("role", *FORBIDDEN), sender
    # a chair whose account is disabled, or who lost the role, is no chair
    disabled = {**DIRECTORY, CHAIR: entry("VT", "professional", "chair", active=False)}
    assert verdict(rules, state(type_, content, sender=CHAIR), case_room(), disabled)[0] == "role"
    demoted = {**DIRECTORY, CHAIR: entry("VT")}
    assert verdict(rules, state(type_, content, sender=CHAIR), case_room(), demoted)[0] == "role"


@pytest.mark.parametrize("type_,content", [(CASE, closed_case(acute=False)), (TRIAGE_STATUS, triage_content()), (ACCESS, access_content("CSG", "VT"))])
def test_a_closed_case_changes_only_through_the_service(rules, type_, content):
    closed = case_room(phase="closed")
    for sender in (HOLDER, CHAIR):
        assert verdict(rules, state(type_, content, sender=sender), closed) == ("closed", *FORBIDDEN), sender
    assert verdict(rules, state(type_, content, sender=SERVICE), closed) is None


def test_regie_changes_only_through_the_service(rules):
    content = regie_content(DEPUTY, HOLDER)
    assert verdict(rules, state(REGIE, content, sender=SERVICE), case_room()) is None
    for sender in (HOLDER, CHAIR, MEMBER):
        assert verdict(rules, state(REGIE, content, sender=sender), case_room()) == ("role", *FORBIDDEN)


def test_the_access_list_names_only_organisations_the_directory_knows(rules):
    assert verdict(rules, state(ACCESS, access_content("CSG", "VT", "GGD")), case_room()) == ("unknown_organisation", *FORBIDDEN)
    assert verdict(rules, state(ACCESS, access_content("CSG", "GGD"), sender=SERVICE), case_room())[0] == "unknown_organisation"
    assert verdict(rules, state(ACCESS, access_content("CSG", "GGD")), case_room(), organisations=ORGS | {"GGD"}) is None
    # no directory to ask: refused, not waved through
    assert verdict(rules, state(ACCESS, access_content("CSG")), case_room(), organisations=None)[0] == "unknown_organisation"


def test_case_state_has_an_empty_state_key(rules):
    assert verdict(rules, state(CASE, case_content(), sender=SERVICE, key="x"), case_room()) == ("schema", *BAD_JSON)


def test_schema_violations_are_bad_json(rules):
    refusal = rules.check(state(CASE, case_content(reference=SECRET)), case_room(), Context(DIRECTORY, ORGS, NOW))
    assert (refusal.rule, refusal.status, refusal.errcode) == ("schema", *BAD_JSON)
    assert refusal.text == "casusruimte: nl.casusruimte.case: reference: a case reference looks like DH-2026-0142: region code, year, number"
    refusal = rules.check(state(ACCESS, {**access_content("CSG"), "names": [SECRET]}), case_room(), Context(DIRECTORY, ORGS, NOW))
    assert refusal.rule == "schema" and SECRET not in refusal.text


def test_role_is_checked_before_the_content(rules):
    assert verdict(rules, state(CASE, case_content(reference=SECRET), sender=MEMBER), case_room())[0] == "role"


@pytest.mark.parametrize(
    ("field", "value"),
    [("reference", "DH-2026-0143"), ("region", "OB"), ("first_report_at", "2026-11-19T09:30:00Z")],
)
def test_identifying_case_fields_never_change(rules, field, value):
    refusal = rules.check(state(CASE, case_content(**{field: value}), sender=SERVICE), case_room(), Context(DIRECTORY, ORGS, NOW))
    assert (refusal.rule, refusal.status) == ("immutable", 403)
    assert field in refusal.message and value not in refusal.message


def test_the_phase_never_goes_back(rules):
    room = case_room({(CASE, ""): case_content(phase="regie")})
    assert verdict(rules, state(CASE, case_content(phase="triage")), room) == ("phase", *FORBIDDEN)
    assert verdict(rules, state(CASE, case_content(phase="first_contact"), sender=SERVICE), room)[0] == "phase"
    assert verdict(rules, state(CASE, case_content(phase="regie", acute=False)), room) is None
    assert verdict(rules, state(CASE, closed_case()), room) is None


def reopened(phase="regie", **changes):
    return case_content(**{"phase": phase, "closed_at": None, "retention_until": None, **changes})


@pytest.mark.parametrize("phase", ["regie", "triage"])
def test_only_the_service_reopens_a_closed_case(rules, phase):
    closed = case_room(phase="closed")
    # the legitimate act: the service (POST /api/cases/<room>/reopen) moves the phase back, dates cleared
    assert verdict(rules, state(CASE, reopened(phase), sender=SERVICE), closed) is None
    # nobody else, not the regiehouder nor a chair nor a member
    for sender in (HOLDER, DEPUTY, CHAIR, MEMBER, OFFICER):
        assert verdict(rules, state(CASE, reopened(phase), sender=sender), closed) == ("closed", *FORBIDDEN), sender


def test_a_reopening_changes_only_phase_and_closure_dates(rules):
    closed = case_room(phase="closed")
    assert verdict(rules, state(CASE, reopened(), sender=SERVICE), closed) is None
    # the dates stay behind: refused
    kept = reopened(closed_at=NOW_ISO, retention_until="2027-12-01T10:00:00Z")
    assert verdict(rules, state(CASE, kept, sender=SERVICE), closed) == ("retention", *FORBIDDEN)
    assert verdict(rules, state(CASE, reopened(retention_until="2027-12-01T10:00:00Z"), sender=SERVICE), closed) == ("retention", *FORBIDDEN)
    # any other field changed with it: refused
    assert verdict(rules, state(CASE, reopened(acute=False), sender=SERVICE), closed) == ("immutable", *FORBIDDEN)
    assert verdict(rules, state(CASE, reopened(region="AMS"), sender=SERVICE), closed)[0] in ("immutable", "schema")
    # not further back than triage
    assert verdict(rules, state(CASE, reopened("first_contact"), sender=SERVICE), closed) == ("phase", *FORBIDDEN)


def test_a_case_past_its_retention_is_not_reopened(rules):
    closed = case_room(phase="closed")
    assert verdict(rules, state(CASE, reopened(), sender=SERVICE), closed, now=NOW) is None
    # retention_until 2027-12-01T10:00:00Z: from then on it stays closed (and is due for deletion)
    after = NOW + 366 * 86_400_000
    assert verdict(rules, state(CASE, reopened(), sender=SERVICE), closed, now=after) == ("retention", *FORBIDDEN)


def test_an_open_case_does_not_go_back_through_reopening(rules):
    room = case_room({(CASE, ""): case_content(phase="regie")})
    assert verdict(rules, state(CASE, reopened("triage"), sender=SERVICE), room) == ("phase", *FORBIDDEN)
    assert verdict(rules, state(CASE, reopened("regie"), sender=SERVICE), room) is None


# --- the lifecycle: closing and retention ------------------------------------------------------


def test_retention_and_closure_dates_stay_null_while_open(rules):
    assert verdict(rules, state(CASE, case_content(retention_until="2027-12-01T10:00:00Z")), case_room()) == ("retention", *FORBIDDEN)
    assert verdict(rules, state(CASE, case_content(closed_at=NOW_ISO)), case_room()) == ("retention", *FORBIDDEN)
    assert verdict(rules, state(CASE, case_content(phase="closed", closed_at=NOW_ISO)), case_room()) == ("retention", *FORBIDDEN)


@pytest.mark.parametrize(
    ("retention_until", "allowed"),
    [
        ("2027-12-01T10:00:00Z", True),  # 12 months
        ("2027-01-01T10:00:00Z", True),  # 1 month: the minimum
        ("2031-12-01T10:00:00Z", True),  # 60 months: the maximum
        ("2026-11-01T10:00:00Z", False),  # in the past: the case would be purged at once
        ("2026-12-15T10:00:00Z", False),  # under the minimum
        ("2032-01-01T10:00:00Z", False),  # beyond the maximum
        ("2066-12-01T10:00:00Z", False),  # decades ahead
    ],
)
def test_a_coordinator_closes_with_retention_inside_the_window(rules, retention_until, allowed):
    event = state(CASE, closed_case(retention_until=retention_until))
    assert verdict(rules, event, case_room()) == (None if allowed else ("retention", *FORBIDDEN))


def test_a_coordinator_closes_now(rules):
    assert verdict(rules, state(CASE, closed_case()), case_room(), now=NOW + 4 * 60_000) is None
    back = closed_case(closed_at="2020-01-01T10:00:00Z", retention_until="2020-06-01T10:00:00Z")
    assert verdict(rules, state(CASE, back), case_room()) == ("closure_date", *FORBIDDEN)
    assert verdict(rules, state(CASE, closed_case()), case_room(), now=NOW + 3600_000) == ("closure_date", *FORBIDDEN)
    # the service (a migration, the privacy officer's console) may record an earlier closure, still inside the window
    assert verdict(rules, state(CASE, back, sender=SERVICE), case_room()) is None
    assert verdict(rules, state(CASE, closed_case(closed_at="2020-01-01T10:00:00Z", retention_until="2019-06-01T10:00:00Z"), sender=SERVICE), case_room())[0] == "retention"


def test_after_closing_only_the_service_moves_retention_inside_the_window(rules):
    closed = case_room(phase="closed")
    later = closed_case(retention_until="2028-12-01T10:00:00Z")
    assert verdict(rules, state(CASE, later, sender=HOLDER), closed) == ("closed", *FORBIDDEN)
    assert verdict(rules, state(CASE, later, sender=SERVICE), closed) is None
    assert verdict(rules, state(CASE, closed_case(retention_until="2040-12-01T10:00:00Z"), sender=SERVICE), closed) == ("retention", *FORBIDDEN)
    assert verdict(rules, state(CASE, closed_case(retention_until="2026-12-02T10:00:00Z"), sender=SERVICE), closed) == ("retention", *FORBIDDEN)
    moved = closed_case(closed_at="2027-06-01T10:00:00Z", retention_until="2028-06-01T10:00:00Z")
    assert verdict(rules, state(CASE, moved, sender=SERVICE), closed) == ("immutable", *FORBIDDEN)


def test_the_window_follows_policy_ts():
    policy = {"default_months": 12, "min_months": 1, "max_months": 60}
    closed = parse_instant("2026-01-31T10:00:00Z")
    # addMonths keeps the day or takes the month's last
    assert add_months(closed, 1) == parse_instant("2026-02-28T10:00:00Z")
    assert add_months(closed, 13) == parse_instant("2027-02-28T10:00:00Z")
    assert add_months(parse_instant("2026-11-30T00:00:00Z"), 2) == parse_instant("2027-01-30T00:00:00Z")
    assert retention_allowed(closed, parse_instant("2026-02-28T10:00:00Z"), policy)
    assert retention_allowed(closed, parse_instant("2026-02-28T09:59:30Z"), policy)  # a minute of slack
    assert not retention_allowed(closed, parse_instant("2026-02-27T10:00:00Z"), policy)
    assert retention_allowed(closed, parse_instant("2031-01-31T10:00:00Z"), policy)
    assert not retention_allowed(closed, parse_instant("2031-02-01T10:00:00Z"), policy)


def test_the_window_is_read_from_policy_json(schemas):
    assert set(schemas.retention) == {"default_months", "min_months", "max_months"}
    assert schemas.retention["min_months"] <= schemas.retention["default_months"] <= schemas.retention["max_months"]


# --- which directory entries the caller fetches ------------------------------------------------


def test_users_to_look_up(rules):
    room = case_room({("m.room.member", NEWCOMER): {"membership": "invite"}})
    assert rules.users_to_look_up(member(OUTSIDER, "invite", sender=HOLDER), room) == {OUTSIDER}
    assert rules.users_to_look_up(member(OUTSIDER, "invite", sender=CHAIR), room) == {OUTSIDER, CHAIR}
    assert rules.users_to_look_up(member(OUTSIDER, "invite", sender=SERVICE), room) == {OUTSIDER}
    assert rules.users_to_look_up(member(NEWCOMER, "join"), room) == {NEWCOMER}
    assert rules.users_to_look_up(member(MEMBER, "join", displayname="Jansen"), room) == {MEMBER}
    assert rules.users_to_look_up(member(MEMBER, "leave"), room) == set()
    assert rules.users_to_look_up(member(MEMBER, "leave", sender=HOLDER), room) == set()
    assert rules.users_to_look_up(member(MEMBER, "leave", sender=CHAIR), room) == {CHAIR}
    assert rules.users_to_look_up(state(CASE, {}, sender=CHAIR), room) == {CHAIR}
    assert rules.users_to_look_up(state(CASE, {}, sender=HOLDER), room) == set()
    assert rules.users_to_look_up(state(CASE, {}, sender=SERVICE), room) == set()
    assert rules.users_to_look_up(timeline("m.room.encrypted", ENVELOPE), room) == set()
    assert rules.users_to_look_up(member(OUTSIDER, "invite", sender=MEMBER), OTHER_ROOM) == set()
    assert rules.needs_organisations(state(ACCESS, {}), room)
    assert not rules.needs_organisations(state(CASE, {}), room)


def test_directory_entries_are_parsed_defensively():
    parsed = DirectoryEntry.parse({"v": 1, "org": "CSG", "roles": ["chair"], "active": True, "display_name": "x", "updated_at": 1})
    assert parsed == DirectoryEntry("CSG", ("chair",), True, "x")
    assert DirectoryEntry.parse({}) is None
    assert DirectoryEntry.parse(None) is None
    assert DirectoryEntry.parse({"org": "CSG", "roles": "chair", "active": True}) is None
    assert DirectoryEntry.parse({"org": "CSG", "roles": ["chair"], "active": "yes"}) is None
