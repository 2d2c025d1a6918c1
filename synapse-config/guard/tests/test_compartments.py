"""Need-to-know inside a case (issue 13): a compartment's membership and posts follow
its case's access basis now (the organisation's basis must cover the compartment's
purpose), only the service invites and removes, and its state is the service's.
Each refusal is paired with the legitimate act that must still work."""

import pytest

from casusruimte_guard.rules import (
    CASE_ROOM_TYPE,
    COMPARTMENT_GRANT,
    COMPARTMENT_OF,
    COMPARTMENT_POINTER,
    COMPARTMENT_ROOM_TYPE,
    CaseLink,
    Context,
    DirectoryEntry,
    Event,
    Room,
    Rules,
)
from samples import SERVICE, case_content, regie_content

CASE_ROOM_ID = "!case:localhost"
POLITIE = "@politie.jansen:localhost"  # in the case; POLITIE's basis: wpg (investigation)
OM = "@om.deboer:localhost"  # in the case; OM's basis: consent for investigation
VT = "@vt.visser:localhost"  # in the case; VT's basis: consent for care and safety
CSG = "@csg.mulder:localhost"  # regiehouder; CSG's basis: consent without purposes (from before issue 13)
STRANGER = "@politie.bakker:localhost"  # POLITIE, but not in the case
OFFICER = "@privacy.officer:localhost"
SECRET = "Jan Jansen, Dorpsstraat 1"
ENVELOPE = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnB4c2Vzc2lvbg+/", "session_id": "A" * 43}
FORBIDDEN, BAD_JSON = 403, 400


def entry(org, *roles, active=True):
    return DirectoryEntry(org, roles or ("professional",), active, None)


DIRECTORY = {
    POLITIE: entry("POLITIE"),
    OM: entry("OM"),
    VT: entry("VT"),
    CSG: entry("CSG"),
    STRANGER: entry("POLITIE"),
    OFFICER: entry("CSG", "privacy-officer"),
}
SINCE = "2026-11-20T10:00:00Z"
ACCESS = [
    {"org": "POLITIE", "since": SINCE, "basis": "statutory", "ground": "wpg"},
    {"org": "OM", "since": SINCE, "basis": "consent", "purposes": ["investigation"]},
    {"org": "VT", "since": SINCE, "basis": "consent", "purposes": ["care", "safety"]},
    {"org": "CSG", "since": SINCE, "basis": "consent"},
    {"org": "SHN", "since": SINCE, "basis": "statutory", "ground": "wpg", "purposes": ["care"]},
]
CASE_MEMBERS = {POLITIE: "join", OM: "invite", VT: "join", CSG: "join", STRANGER: None, OFFICER: None}


@pytest.fixture
def rules(schemas):
    return Rules(SERVICE, schemas)


def compartment(purpose="investigation", extra=None):
    state = {
        ("m.room.create", ""): {"type": COMPARTMENT_ROOM_TYPE, "m.federate": False, "room_version": "12"},
        ("m.room.join_rules", ""): {"join_rule": "invite"},
        (COMPARTMENT_OF, ""): {"v": 1, "case_room_id": CASE_ROOM_ID, "id": "strafrecht", "kind": "strafrecht", "purpose": purpose},
        ("m.room.member", SERVICE): {"membership": "join"},
        ("m.room.member", POLITIE): {"membership": "join"},
    }
    state.update(extra or {})
    return Room(state=state, creator=SERVICE)


def link(access=None, phase="regie", members=None):
    return CaseLink.parse({"v": 1, "organisations": access if access is not None else ACCESS}, case_content(phase=phase), members or CASE_MEMBERS)


def verdict(rules, event, room, case=None, directory=DIRECTORY):
    ctx = Context(directory, frozenset({"CSG", "VT", "POLITIE", "OM", "SHN"}), 0, None, case if case is not None else link())
    refusal = rules.check(event, room, ctx)
    return None if refusal is None else (refusal.rule, refusal.status)


def member(target, membership, sender=None, **content):
    return Event("m.room.member", sender or target, {"membership": membership, **content}, target)


def invite(target):
    return member(target, "invite", SERVICE, reason="compartment")


# --- who the case says may be in it ---------------------------------------------------------------


def test_statutory_and_consented_purposes_admit_and_others_do_not(rules):
    room = compartment("investigation")
    assert verdict(rules, invite(OM), room) is None  # consent for investigation
    assert verdict(rules, member(OM, "join"), compartment("investigation", {("m.room.member", OM): {"membership": "invite", "reason": "compartment"}})) is None
    assert verdict(rules, invite(VT), room) == ("compartment", FORBIDDEN)  # consent for care and safety only
    assert verdict(rules, invite(CSG), room) == ("compartment", FORBIDDEN)  # an entry without purposes: shared part only
    care = compartment("care")
    assert verdict(rules, invite(VT), care) is None
    assert verdict(rules, invite(POLITIE), care) == ("compartment", FORBIDDEN)  # wpg does not cover care


def test_a_statutory_entry_covers_only_what_its_ground_covers(rules):
    shn = "@shn.dekker:localhost"
    directory = {**DIRECTORY, shn: entry("SHN")}
    case = link(members={**CASE_MEMBERS, shn: "join"})
    # SHN's entry lists care, but wpg does not cover care: nothing.
    assert verdict(rules, invite(shn), compartment("care"), case, directory) == ("compartment", FORBIDDEN)
    assert verdict(rules, invite(POLITIE), compartment("safety"), case, directory) is None  # wpg covers safety


def test_only_members_of_the_case_come_in(rules):
    room = compartment("investigation")
    assert verdict(rules, invite(STRANGER), room) == ("compartment", FORBIDDEN)
    assert verdict(rules, invite(POLITIE), room) is None
    assert verdict(rules, invite(OFFICER), room) in (("compartment", FORBIDDEN), ("invite_role", FORBIDDEN))


def test_only_the_service_invites_and_removes(rules):
    room = compartment("investigation")
    assert verdict(rules, member(OM, "invite", POLITIE, reason="compartment"), room) == ("service_only", FORBIDDEN)
    assert verdict(rules, member(POLITIE, "leave", CSG), room) == ("service_only", FORBIDDEN)
    assert verdict(rules, member(POLITIE, "leave", SERVICE, reason="consent-withdrawn"), room) is None
    assert verdict(rules, member(POLITIE, "leave"), room) is None  # leaving always works
    # A case's invite reasons are not a compartment's.
    assert verdict(rules, member(OM, "invite", SERVICE, reason="mdt-triage"), room) == ("schema", BAD_JSON)


def test_a_join_needs_the_invitation_and_the_basis_now(rules):
    invited = compartment("investigation", {("m.room.member", OM): {"membership": "invite", "reason": "compartment"}})
    assert verdict(rules, member(OM, "join"), invited) is None
    assert verdict(rules, member(STRANGER, "join"), invited) == ("join_not_invited", FORBIDDEN)
    withdrawn = [e for e in ACCESS if e["org"] != "OM"] + [{"org": "OM", "since": SINCE, "basis": "consent", "purposes": ["care"]}]
    assert verdict(rules, member(OM, "join"), invited, link(withdrawn)) == ("compartment", FORBIDDEN)


def test_posts_follow_the_basis_now(rules):
    room = compartment("investigation")
    post = Event("m.room.encrypted", POLITIE, ENVELOPE)
    assert verdict(rules, post, room) is None
    gone = [e for e in ACCESS if e["org"] != "POLITIE"]
    assert verdict(rules, post, room, link(gone)) == ("compartment", FORBIDDEN)
    left_case = link(members={**CASE_MEMBERS, POLITIE: "leave"})
    assert verdict(rules, post, room, left_case) == ("compartment", FORBIDDEN)
    # The case could not be read: refused, never waved through.
    assert rules.compartment_member_refusal(POLITIE, "investigation", None, DIRECTORY, "post in").rule == "compartment"


def test_a_closed_case_takes_no_new_compartment_members(rules):
    room = compartment("investigation")
    assert verdict(rules, invite(OM), room, link(phase="closed")) == ("closed", FORBIDDEN)
    assert verdict(rules, invite(OM), room, link(phase="regie")) is None


def test_compartment_state_is_the_services_and_plaintext_is_refused(rules):
    room = compartment("investigation")
    grant = {"v": 1, "org": "OM", "history": "all", "by": CSG, "since": SINCE}
    assert verdict(rules, Event(COMPARTMENT_GRANT, SERVICE, grant, f"user:{OM}"), room) is None
    assert verdict(rules, Event(COMPARTMENT_GRANT, CSG, grant, f"user:{OM}"), room) == ("service_only", FORBIDDEN)
    assert verdict(rules, Event(COMPARTMENT_GRANT, SERVICE, grant, OM), room) == ("schema", BAD_JSON)
    assert verdict(rules, Event(COMPARTMENT_GRANT, SERVICE, {**grant, "note": SECRET}, f"user:{OM}"), room) == ("schema", BAD_JSON)
    # history from a date: the date goes with `from`, and only with it; a date, never words
    since_then = {**grant, "history": "from", "from": "2026-11-19T00:00:00Z"}
    assert verdict(rules, Event(COMPARTMENT_GRANT, SERVICE, since_then, f"user:{OM}"), room) is None
    assert verdict(rules, Event(COMPARTMENT_GRANT, SERVICE, {**grant, "history": "from"}, f"user:{OM}"), room) == ("schema", BAD_JSON)
    assert verdict(rules, Event(COMPARTMENT_GRANT, SERVICE, {**grant, "from": "2026-11-19T00:00:00Z"}, f"user:{OM}"), room) == ("schema", BAD_JSON)
    assert verdict(rules, Event(COMPARTMENT_GRANT, SERVICE, {**since_then, "from": SECRET}, f"user:{OM}"), room) == ("schema", BAD_JSON)
    assert verdict(rules, Event("m.room.message", POLITIE, {"msgtype": "m.text", "body": SECRET}), room) == ("unencrypted", FORBIDDEN)
    moved = {"v": 1, "case_room_id": "!other:localhost", "id": "strafrecht", "kind": "strafrecht", "purpose": "care"}
    assert verdict(rules, Event(COMPARTMENT_OF, SERVICE, moved, ""), room) == ("immutable", FORBIDDEN)
    assert verdict(rules, Event("m.room.history_visibility", SERVICE, {"history_visibility": "world_readable"}, ""), room) == ("history_visibility", FORBIDDEN)


def test_the_case_room_holds_the_pointer_from_the_service_only(rules):
    case = Room(
        state={
            ("m.room.create", ""): {"type": CASE_ROOM_TYPE, "m.federate": False, "room_version": "12"},
            ("nl.casusruimte.case", ""): case_content(),
            ("nl.casusruimte.regie", ""): regie_content(CSG, None),
        },
        creator=SERVICE,
    )
    pointer = {"v": 1, "room_id": "!comp:localhost", "kind": "strafrecht", "purpose": "investigation"}
    assert verdict(rules, Event(COMPARTMENT_POINTER, SERVICE, pointer, "strafrecht"), case) is None
    assert verdict(rules, Event(COMPARTMENT_POINTER, SERVICE, pointer, "apart-2"), case) is None
    assert verdict(rules, Event(COMPARTMENT_POINTER, SERVICE, pointer, "Jan"), case) == ("schema", BAD_JSON)
    assert verdict(rules, Event(COMPARTMENT_POINTER, CSG, pointer, "strafrecht"), case) == ("service_only", FORBIDDEN)


def test_only_the_service_creates_a_compartment(rules):
    create = {"type": COMPARTMENT_ROOM_TYPE, "m.federate": False, "room_version": "12"}
    assert rules.check(Event("m.room.create", SERVICE, create, ""), Room(), {}) is None
    assert rules.check(Event("m.room.create", CSG, create, ""), Room(), {}).rule == "room_creation"


def test_what_the_case_is_asked_for(rules):
    room = compartment("investigation")
    assert rules.compartment_case(invite(OM), room) == (CASE_ROOM_ID, (OM,))
    assert rules.compartment_case(Event("m.room.encrypted", POLITIE, ENVELOPE), room) == (CASE_ROOM_ID, (POLITIE,))
    assert rules.compartment_case(member(POLITIE, "leave"), room) is None
    assert rules.users_to_look_up(Event("m.room.encrypted", POLITIE, ENVELOPE), room) == {POLITIE}


def test_purposes_covered_mirrors_the_domain(schemas):
    assert schemas.purposes_covered({"basis": "consent"}) == {"coordination"}
    assert schemas.purposes_covered({"basis": "consent", "purposes": ["care"]}) == {"care"}
    assert schemas.purposes_covered({"basis": "statutory", "ground": "wjsg"}) == {"coordination", "investigation"}
    assert schemas.purposes_covered({"basis": "statutory", "ground": "wjsg", "purposes": ["care", "investigation"]}) == {"investigation"}
