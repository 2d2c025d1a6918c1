"""The daily MDT (issue 12): the region's board, the chair's way into a case, regie
for the regie organisations, and the MDT's directory state. Each refusal is paired
with the legitimate act that must still work."""

import asyncio

import pytest

from casusruimte_guard.directory import DirectoryCache
from casusruimte_guard.rules import (
    CASE,
    CASE_ROOM_TYPE,
    GUEST_WINDOW_MS,
    REGIE,
    Context,
    DirectoryEntry,
    Event,
    Mdt,
    Room,
    Rules,
)
from samples import SERVICE, access_content, case_content, regie_content

BOARD_TYPE = "nl.casusruimte.board"
AGENDA = "nl.casusruimte.agenda"
MDT_EVENT = "nl.casusruimte.directory.mdt"
POINTER = "nl.casusruimte.directory.board"

CHAIR = "@mdt.voorzitter:localhost"  # chairs the DH MDT, works for OM (not in the access basis)
OB_CHAIR = "@ob.voorzitter:localhost"  # chairs the OB MDT
POLITIE = "@politie.jansen:localhost"  # DH MDT member
CSG = "@csg.mulder:localhost"  # DH MDT member, regiehouder
VT = "@vt.visser:localhost"  # DH MDT deputy
OPENER = "@politie.bakker:localhost"  # opens a case, not in the MDT
FORMER = "@shn.dekker:localhost"  # was in the DH MDT, still on the board
DISABLED = "@vt.oud:localhost"  # in the DH MDT, disabled in the directory
OFFICER = "@privacy.officer:localhost"
SECRET = "Jan Jansen, Dorpsstraat 1"
NOW = 1_796_119_200_000

ENVELOPE = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnB4c2Vzc2lvbg+/", "session_id": "A" * 43}


def entry(org, *roles, active=True, name=None):
    return DirectoryEntry(org, roles or ("professional",), active, name)


DIRECTORY = {
    CHAIR: entry("OM", "professional", "chair", name="Voorzitter"),
    OB_CHAIR: entry("CSG", "professional", "chair"),
    POLITIE: entry("POLITIE", name="Jansen"),
    CSG: entry("CSG"),
    VT: entry("VT"),
    OPENER: entry("POLITIE"),
    FORMER: entry("SHN"),
    DISABLED: entry("VT", active=False),
    OFFICER: entry("CSG", "privacy-officer"),
}
DH_MDT = Mdt("DH", frozenset({CHAIR}), frozenset({POLITIE, CSG, VT, DISABLED}))
OB_MDT = Mdt("OB", frozenset({OB_CHAIR}), frozenset())


@pytest.fixture
def rules(schemas):
    return Rules(SERVICE, schemas)


def board(extra=None, since=None, joined_on=None):
    state = {
        ("m.room.create", ""): {"type": BOARD_TYPE, "m.federate": False, "room_version": "12"},
        ("m.room.join_rules", ""): {"join_rule": "invite"},
        (BOARD_TYPE, ""): {"v": 1, "region": "DH"},
        ("m.room.member", SERVICE): {"membership": "join"},
        ("m.room.member", POLITIE): {"membership": "join"},
        ("m.room.member", CHAIR): {"membership": "join"},
        ("m.room.member", FORMER): {"membership": "join"},
        ("m.room.member", DISABLED): {"membership": "join"},
    }
    state.update(extra or {})
    joined_long_ago = NOW - 30 * 24 * 3600 * 1000
    member_since = {k: joined_long_ago for (t, k) in state if t == "m.room.member"}
    member_since.update(since or {})
    return Room(state=state, creator=SERVICE, member_since=member_since, joined_on=joined_on or {})


def case_room(extra=None, phase="triage"):
    state = {
        ("m.room.create", ""): {"type": CASE_ROOM_TYPE, "m.federate": False, "room_version": "12"},
        (CASE, ""): case_content(phase=phase)
        if phase != "closed"
        else case_content(phase="closed", closed_at="2026-12-01T10:00:00Z", retention_until="2027-12-01T10:00:00Z"),
        ("nl.casusruimte.access", ""): access_content("CSG", "VT", "POLITIE"),
        (REGIE, ""): regie_content(CSG, None),
        ("m.room.member", SERVICE): {"membership": "join"},
        ("m.room.member", CSG): {"membership": "join"},
        ("m.room.member", POLITIE): {"membership": "join"},
    }
    state.update(extra or {})
    return Room(state=state, creator=SERVICE)


DIRECTORY_ROOM = Room(state={("m.room.create", ""): {"room_version": "12"}}, creator=SERVICE)


def member(target, membership, sender=None, **content):
    return Event("m.room.member", sender or target, {"membership": membership, **content}, target)


def state(type_, content, sender=SERVICE, key=""):
    return Event(type_, sender, content, key)


def timeline(type_, content, sender):
    return Event(type_, sender, content)


def verdict(rules, event, room, mdt=DH_MDT, directory=DIRECTORY, now=NOW):
    refusal = rules.check(event, room, Context(directory, frozenset({"CSG", "VT", "POLITIE", "OM", "SHN"}), now, mdt))
    return None if refusal is None else (refusal.rule, refusal.status)


FORBIDDEN = 403
BAD_JSON = 400


# --- the board: creation and the service's state ------------------------------------------------------


def test_the_service_creates_a_board_with_its_template(rules):
    create = {"type": BOARD_TYPE, "m.federate": False, "room_version": "12"}
    assert verdict(rules, state("m.room.create", create), Room()) is None
    assert verdict(rules, state("m.room.create", create, sender=POLITIE), Room())[0] == "room_creation"
    assert verdict(rules, state("m.room.create", {**create, "m.federate": True}), Room()) == ("schema", BAD_JSON)
    fresh = Room(state={("m.room.create", ""): create}, creator=SERVICE)
    for type_, content in [
        ("m.room.power_levels", {"users": {}, "users_default": 0, "events_default": 0, "state_default": 100, "invite": 100, "kick": 100}),
        ("m.room.join_rules", {"join_rule": "invite"}),
        ("m.room.history_visibility", {"history_visibility": "shared"}),
        ("m.room.guest_access", {"guest_access": "forbidden"}),
        ("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2", "rotation_period_ms": 604800000, "rotation_period_msgs": 100}),
        ("m.room.name", {"name": "DH"}),
        (BOARD_TYPE, {"v": 1, "region": "DH"}),
    ]:
        assert verdict(rules, state(type_, content), fresh) is None, type_
    assert verdict(rules, member(SERVICE, "join", displayname="casusruimte-service"), fresh) is None


def test_board_state_is_the_services_and_holds_no_plaintext(rules):
    assert verdict(rules, state("m.room.name", {"name": SECRET}), board())[0] == "schema"
    assert verdict(rules, state("m.room.name", {"name": "DH"}, sender=CHAIR), board()) == ("service_only", FORBIDDEN)
    assert verdict(rules, state(BOARD_TYPE, {"v": 1, "region": "DH"}, sender=CHAIR), board()) == ("service_only", FORBIDDEN)
    assert verdict(rules, state("m.room.topic", {"topic": SECRET}), board()) == ("not_allowed", FORBIDDEN)
    assert verdict(rules, state(CASE, case_content()), board()) == ("not_allowed", FORBIDDEN)
    assert verdict(rules, state("m.room.join_rules", {"join_rule": "public"}), board()) == ("join_rule", FORBIDDEN)
    assert verdict(rules, state("m.room.history_visibility", {"history_visibility": "world_readable"}), board())[0] == "history_visibility"
    assert verdict(rules, state("m.room.canonical_alias", {"alias": "#dh:localhost"}), board())[0] == "alias"
    # a board's region never changes
    assert verdict(rules, state(BOARD_TYPE, {"v": 1, "region": "OB"}), board()) == ("immutable", FORBIDDEN)
    assert verdict(rules, state(BOARD_TYPE, {"v": 1, "region": "DH"}), board()) is None


# --- the board: who posts what ------------------------------------------------------------------------


def test_the_mdt_posts_only_the_envelope(rules):
    for sender in (POLITIE, CHAIR):
        assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, sender), board()) is None, sender
    refusal = rules.check(timeline("m.room.message", {"msgtype": "m.text", "body": SECRET}, POLITIE), board(), Context(DIRECTORY, None, NOW, DH_MDT))
    assert (refusal.rule, refusal.status) == ("unencrypted", FORBIDDEN) and SECRET not in refusal.message
    assert verdict(rules, timeline("m.room.message", {"msgtype": "m.notice", "body": SECRET}, SERVICE), board())[0] == "unencrypted"
    assert verdict(rules, timeline("nl.casusruimte.aanmelding", {"summary": SECRET}, POLITIE), board())[0] == "unencrypted"
    assert verdict(rules, timeline("m.room.encrypted", {**ENVELOPE, "body": SECRET}, POLITIE), board()) == ("schema", BAD_JSON)
    relation = {**ENVELOPE, "m.relates_to": {"rel_type": "m.thread", "event_id": "$x"}}
    assert verdict(rules, timeline("m.room.encrypted", relation, POLITIE), board()) == ("schema", BAD_JSON)
    assert verdict(rules, timeline("m.room.redaction", {"redacts": "$x"}, CHAIR), board())[0] == "role"
    assert verdict(rules, timeline("org.matrix.dummy_event", {}, POLITIE), board()) is None


def test_only_the_regions_mdt_now_posts_on_the_board(rules):
    # still on the board, but no longer in the MDT (the service removes them at the next reconcile)
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, FORMER), board()) == ("mdt_member", FORBIDDEN)
    # in the MDT, but disabled in the directory
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, DISABLED), board()) == ("mdt_member", FORBIDDEN)
    # the board of another region is not theirs: the OB MDT does not count on the DH board
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, POLITIE), board(), mdt=OB_MDT) == ("mdt_member", FORBIDDEN)
    # no MDT for the region (or the directory could not be read): nobody but the service
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, POLITIE), board(), mdt=None) == ("mdt_member", FORBIDDEN)
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, POLITIE), board()) is None


def test_the_opener_posts_the_aanmelding_right_after_joining(rules):
    guest = board({("m.room.member", OPENER): {"membership": "join"}}, since={OPENER: NOW - 60_000}, joined_on={OPENER: "aanmelding"})
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, OPENER), guest) is None
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, OPENER), guest, now=NOW + GUEST_WINDOW_MS) == ("mdt_member", FORBIDDEN)
    assert verdict(rules, timeline("m.room.encrypted", {**ENVELOPE, "body": SECRET}, OPENER), guest)[0] == "schema"
    # a member taken out of the MDT just after joining it is no guest: they joined on an mdt-board invitation
    recent = board(since={FORMER: NOW - 60_000}, joined_on={FORMER: "mdt-board"})
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, FORMER), recent) == ("mdt_member", FORBIDDEN)
    # nor is anyone whose invitation is unknown
    unknown = board({("m.room.member", OPENER): {"membership": "join"}}, since={OPENER: NOW - 60_000})
    assert verdict(rules, timeline("m.room.encrypted", ENVELOPE, OPENER), unknown) == ("mdt_member", FORBIDDEN)


# --- the board: membership ----------------------------------------------------------------------------


def test_the_service_invites_the_regions_mdt(rules):
    for target in (VT, CSG):
        assert verdict(rules, member(target, "invite", sender=SERVICE, reason="mdt-board"), board()) is None
    assert verdict(rules, member(CSG, "invite", sender=SERVICE), board()) is None
    assert verdict(rules, member(FORMER, "invite", sender=SERVICE, reason="mdt-board"), board()) == ("mdt_member", FORBIDDEN)
    assert verdict(rules, member(DISABLED, "invite", sender=SERVICE, reason="mdt-board"), board()) == ("invite_not_covered", FORBIDDEN)
    assert verdict(rules, member(CSG, "invite", sender=SERVICE, reason="mdt-board"), board(), mdt=OB_MDT) == ("mdt_member", FORBIDDEN)
    # case reasons and free text are not board reasons
    assert verdict(rules, member(CSG, "invite", sender=SERVICE, reason="mdt-triage"), board())[0] == "schema"
    assert verdict(rules, member(CSG, "invite", sender=SERVICE, reason=SECRET), board())[0] == "schema"


def test_the_opener_of_a_new_case_is_invited_as_aanmelding_guest(rules):
    assert verdict(rules, member(OPENER, "invite", sender=SERVICE, reason="aanmelding"), board()) is None
    assert verdict(rules, member(OFFICER, "invite", sender=SERVICE, reason="aanmelding"), board()) == ("invite_role", FORBIDDEN)
    invited = board({("m.room.member", OPENER): {"membership": "invite", "reason": "aanmelding"}})
    assert verdict(rules, member(OPENER, "join"), invited) is None
    assert verdict(rules, member(OPENER, "leave"), invited) is None
    # an invitation for the MDT is no guest pass
    invited_as_member = board({("m.room.member", OPENER): {"membership": "invite", "reason": "mdt-board"}})
    assert verdict(rules, member(OPENER, "join"), invited_as_member) == ("mdt_member", FORBIDDEN)


def test_the_mdt_joins_on_the_services_invitation_while_still_in_it(rules):
    invited = board({("m.room.member", VT): {"membership": "invite", "reason": "mdt-board"}})
    assert verdict(rules, member(VT, "join"), invited) is None
    # removed from the MDT between invitation and join
    assert verdict(rules, member(VT, "join"), invited, mdt=Mdt("DH", frozenset({CHAIR}), frozenset())) == ("mdt_member", FORBIDDEN)
    assert verdict(rules, member(VT, "join"), invited, directory={**DIRECTORY, VT: entry("VT", active=False)})[0] == "invite_not_covered"
    # no invitation: no join, in the MDT or not
    assert verdict(rules, member(CSG, "join"), board()) == ("join_not_invited", FORBIDDEN)
    assert verdict(rules, member(OPENER, "join"), board()) == ("join_not_invited", FORBIDDEN)
    assert verdict(rules, member(CSG, "knock"), board())[0] in ("join_not_invited", "schema")
    # a member's profile update with the directory's name
    assert verdict(rules, member(POLITIE, "join", displayname="Jansen"), board()) is None
    assert verdict(rules, member(POLITIE, "join", displayname=SECRET), board()) == ("profile", FORBIDDEN)


def test_only_the_service_invites_and_removes_on_the_board(rules):
    assert verdict(rules, member(VT, "invite", sender=CHAIR, reason="mdt-board"), board()) == ("service_only", FORBIDDEN)
    assert verdict(rules, member(FORMER, "leave", sender=CHAIR, reason="role-ended"), board()) == ("service_only", FORBIDDEN)
    assert verdict(rules, member(FORMER, "ban", sender=CHAIR), board()) == ("service_only", FORBIDDEN)
    assert verdict(rules, member(FORMER, "leave", sender=SERVICE, reason="role-ended"), board()) is None
    assert verdict(rules, member(FORMER, "leave", sender=SERVICE, reason=SECRET), board())[0] == "schema"
    assert verdict(rules, member(FORMER, "leave"), board()) is None


def test_what_the_caller_looks_up_for_a_board(rules):
    assert rules.users_to_look_up(timeline("m.room.encrypted", ENVELOPE, POLITIE), board()) == {POLITIE}
    assert rules.users_to_look_up(member(VT, "invite", sender=SERVICE), board()) == {VT}
    assert rules.mdt_region(timeline("m.room.encrypted", ENVELOPE, POLITIE), board()) == "DH"
    assert rules.mdt_region(member(VT, "invite", sender=SERVICE), board()) == "DH"
    assert rules.mdt_region(member(VT, "leave"), board()) is None
    assert rules.mdt_region(timeline("m.room.encrypted", ENVELOPE, POLITIE), case_room()) is None


# --- the directory: the MDT and the board pointer ----------------------------------------------------


def mdt_content(**changes):
    return {
        "v": 1,
        "region": "DH",
        "chairs": [CHAIR],
        "members": [{"user": POLITIE, "deputy": False}, {"user": VT, "deputy": True}],
        "updated_at": 1,
        **changes,
    }


def test_the_mdt_in_the_directory_is_the_services_with_its_exact_shape(rules):
    assert verdict(rules, state(MDT_EVENT, mdt_content(), key="DH"), DIRECTORY_ROOM) is None
    assert verdict(rules, state(MDT_EVENT, {}, key="DH"), DIRECTORY_ROOM) is None  # the region's MDT removed
    assert verdict(rules, state(MDT_EVENT, mdt_content(), sender=CHAIR, key="DH"), DIRECTORY_ROOM) == ("service_only", FORBIDDEN)
    assert verdict(rules, state(MDT_EVENT, mdt_content(), key="OB"), DIRECTORY_ROOM) == ("schema", BAD_JSON)
    assert verdict(rules, state(MDT_EVENT, mdt_content(region="XX"), key="XX"), DIRECTORY_ROOM) == ("schema", BAD_JSON)
    assert verdict(rules, state(MDT_EVENT, mdt_content(), key=""), DIRECTORY_ROOM) == ("schema", BAD_JSON)
    assert verdict(rules, state(MDT_EVENT, mdt_content(note=SECRET), key="DH"), DIRECTORY_ROOM)[0] == "schema"
    assert verdict(rules, state(MDT_EVENT, mdt_content(members=[{"user": SECRET, "deputy": False}]), key="DH"), DIRECTORY_ROOM)[0] == "schema"


def test_the_board_pointer_is_the_services(rules):
    pointer = {"v": 1, "room_id": "!abc:localhost"}
    assert verdict(rules, state(POINTER, pointer, key="DH"), DIRECTORY_ROOM) is None
    assert verdict(rules, state(POINTER, pointer, sender=CHAIR, key="DH"), DIRECTORY_ROOM) == ("service_only", FORBIDDEN)
    assert verdict(rules, state(POINTER, {"v": 1, "room_id": SECRET}, key="DH"), DIRECTORY_ROOM)[0] == "schema"
    assert verdict(rules, state(POINTER, pointer, key=SECRET), DIRECTORY_ROOM)[0] == "schema"


# --- case rooms: the agenda state --------------------------------------------------------------------


def test_the_agenda_state_is_the_services(rules):
    agenda = {"v": 1, "retriage_requested_at": "2026-12-01T09:00:00Z", "continued_in": None}
    assert verdict(rules, state(AGENDA, agenda), case_room()) is None
    assert verdict(rules, state(AGENDA, {**agenda, "continued_in": "DH-2026-0143"}), case_room()) is None
    assert verdict(rules, state(AGENDA, agenda, sender=CSG), case_room()) == ("service_only", FORBIDDEN)
    assert verdict(rules, state(AGENDA, {**agenda, "why": SECRET}), case_room())[0] == "schema"
    assert verdict(rules, state(AGENDA, {**agenda, "continued_in": SECRET}), case_room())[0] == "schema"


# --- case rooms: the MDT chair comes in on the chair role ----------------------------------------------


def test_the_regions_chair_is_invited_on_the_chair_role(rules):
    # OM is not in the access basis: as MDT chair of DH the chair comes in all the same
    assert verdict(rules, member(CHAIR, "invite", sender=SERVICE, reason="mdt-chair"), case_room()) is None
    assert verdict(rules, member(CHAIR, "invite", sender=CSG, reason="mdt-chair"), case_room()) is None
    # without the mdt-chair basis the access list decides
    assert verdict(rules, member(CHAIR, "invite", sender=SERVICE, reason="mdt-triage"), case_room()) == ("invite_not_covered", FORBIDDEN)
    # the chair of another region, or a chair who no longer chairs
    assert verdict(rules, member(OB_CHAIR, "invite", sender=SERVICE, reason="mdt-chair"), case_room()) == ("mdt_member", FORBIDDEN)
    assert verdict(rules, member(CHAIR, "invite", sender=SERVICE, reason="mdt-chair"), case_room(), mdt=OB_MDT) == ("mdt_member", FORBIDDEN)
    assert verdict(rules, member(CHAIR, "invite", sender=SERVICE, reason="mdt-chair"), case_room(), mdt=None) == ("mdt_member", FORBIDDEN)
    disabled = {**DIRECTORY, CHAIR: entry("OM", "chair", active=False)}
    assert verdict(rules, member(CHAIR, "invite", sender=SERVICE, reason="mdt-chair"), case_room(), directory=disabled)[0] == "invite_not_covered"
    # a member who does not coordinate cannot use the basis either, and a closed case takes nobody
    assert verdict(rules, member(CHAIR, "invite", sender=POLITIE, reason="mdt-chair"), case_room()) == ("not_coordinator", FORBIDDEN)
    assert verdict(rules, member(CHAIR, "invite", sender=SERVICE, reason="mdt-chair"), case_room(phase="closed")) == ("closed", FORBIDDEN)
    # board reasons are not case reasons
    assert verdict(rules, member(VT, "invite", sender=SERVICE, reason="mdt-board"), case_room())[0] == "schema"
    assert verdict(rules, member(VT, "invite", sender=SERVICE, reason="aanmelding"), case_room())[0] == "schema"


def test_the_chair_joins_while_still_chair(rules):
    invited = case_room({("m.room.member", CHAIR): {"membership": "invite", "reason": "mdt-chair"}})
    assert verdict(rules, member(CHAIR, "join", displayname="Voorzitter"), invited) is None
    assert verdict(rules, member(CHAIR, "join"), invited, mdt=Mdt("DH", frozenset(), frozenset({CHAIR}))) == ("mdt_member", FORBIDDEN)
    # invited on another basis, the access list still decides
    other = case_room({("m.room.member", CHAIR): {"membership": "invite", "reason": "expertise"}})
    assert verdict(rules, member(CHAIR, "join"), other) == ("invite_not_covered", FORBIDDEN)
    # a covered chair joins on either basis
    covered = {**DIRECTORY, CHAIR: entry("VT", "professional", "chair")}
    assert verdict(rules, member(CHAIR, "join"), other, directory=covered) is None
    assert verdict(rules, member(CHAIR, "join"), invited, directory=covered, mdt=None) is None
    closed = case_room({("m.room.member", CHAIR): {"membership": "invite", "reason": "mdt-chair"}}, phase="closed")
    assert verdict(rules, member(CHAIR, "join"), closed) == ("closed", FORBIDDEN)
    assert rules.mdt_region(member(CHAIR, "join"), invited) == "DH"
    assert rules.mdt_region(member(CHAIR, "invite", sender=SERVICE, reason="mdt-chair"), case_room()) == "DH"
    assert rules.mdt_region(member(VT, "invite", sender=SERVICE, reason="mdt-triage"), case_room()) is None


# --- case rooms: regie for the regie organisations ----------------------------------------------------


def test_a_new_regiehouder_or_deputy_works_for_a_regie_organisation(rules, schemas):
    assert schemas.regie_organisations == frozenset({"CSG", "VT", "SHN"})
    assert verdict(rules, state(REGIE, regie_content(VT, None)), case_room()) is None
    assert verdict(rules, state(REGIE, regie_content(CSG, VT)), case_room()) is None
    assert verdict(rules, state(REGIE, regie_content(POLITIE, None)), case_room()) == ("regie_organisation", FORBIDDEN)
    assert verdict(rules, state(REGIE, regie_content(CSG, POLITIE)), case_room()) == ("regie_organisation", FORBIDDEN)
    assert verdict(rules, state(REGIE, regie_content("@nobody:localhost", None)), case_room()) == ("regie_organisation", FORBIDDEN)
    disabled = {**DIRECTORY, VT: entry("VT", active=False)}
    assert verdict(rules, state(REGIE, regie_content(VT, None)), case_room(), directory=disabled) == ("regie_organisation", FORBIDDEN)
    # no regiehouder until triage
    assert verdict(rules, state(REGIE, regie_content(None, None)), case_room()) is None
    # at creation: the opener of a regie organisation holds regie, a police officer does not
    fresh = Room(state={("m.room.create", ""): {"type": CASE_ROOM_TYPE}}, creator=SERVICE)
    assert verdict(rules, state(REGIE, regie_content(CSG, None)), fresh) is None
    assert verdict(rules, state(REGIE, regie_content(POLITIE, None)), fresh) == ("regie_organisation", FORBIDDEN)


def test_a_regiehouder_from_before_the_rule_is_not_locked_in(rules):
    legacy = case_room({(REGIE, ""): regie_content(POLITIE, None)})
    assert verdict(rules, state(REGIE, regie_content(POLITIE, VT)), legacy) is None
    assert verdict(rules, state(REGIE, regie_content(VT, None)), legacy) is None
    assert rules.users_to_look_up(state(REGIE, regie_content(POLITIE, VT)), legacy) == {VT}


# --- the directory cache for MDTs -----------------------------------------------------------------------


class FakeDirectory:
    def __init__(self):
        self.now = 100.0
        self.state = {"DH": mdt_content()}
        self.reads = 0

    async def resolve(self, alias):
        return "!dir:localhost"

    async def fetch(self, room_id, event_type, state_key):
        assert event_type == MDT_EVENT
        self.reads += 1
        return self.state.get(state_key)


def test_the_mdt_is_cached_briefly_and_dropped_on_a_write():
    d = FakeDirectory()
    cache = DirectoryCache("#casusruimte-directory:localhost", d.resolve, d.fetch, clock=lambda: d.now)
    run = asyncio.run
    mdt = run(cache.mdt("DH"))
    assert mdt == Mdt("DH", frozenset({CHAIR}), frozenset({POLITIE, VT}))
    assert mdt.sits_in(CHAIR) and mdt.sits_in(VT) and not mdt.sits_in(CSG)
    d.state["DH"] = mdt_content(chairs=[])
    assert run(cache.mdt("DH")).chairs == {CHAIR} and d.reads == 1
    cache.saw_mdt_write("DH")
    assert run(cache.mdt("DH")).chairs == frozenset() and d.reads == 2
    assert run(cache.mdt("OB")) is None
    assert run(cache.mdt("DH", fresh=True)) is not None and d.reads == 4
    # a removed or malformed MDT grants nothing
    assert Mdt.parse("DH", {}) is None
    assert Mdt.parse("DH", mdt_content(region="OB")) is None
    assert Mdt.parse("DH", {**mdt_content(), "chairs": CHAIR}) is None
