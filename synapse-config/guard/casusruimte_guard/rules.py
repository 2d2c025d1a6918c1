"""The case-room rules as pure decisions: an event, the room's state before it,
and the directory entries of the people involved go in; a refusal (or None)
comes out. No Synapse imports, so the rules are unit-tested without a server.

Why a server-side guard at all: power levels say who may send an event type,
not what it may contain or which organisation an invitee works for, and a
client can be bypassed with a stolen token and curl. The domain rules mirror
src/lib/case/permissions.ts and src/lib/matrix/room-template.ts.

An allow-list, not a deny-list (issue 10): a case room and the directory room
hold only the event types of src/lib/case/allow-list.ts, each from the senders
it names and with exactly the content its generated JSON Schema describes;
everything else is refused. On top of the shapes come the rules that need the
room and the directory at the moment of the act: who coordinates the case now,
who may be a member (active, professional or chair, of a covered organisation),
no new members in a closed case, the retention window (policy.json), and a
display name that is the directory's. Rooms outside the product (only the
service creates rooms now) get no plaintext at all.

The daily MDT (issue 12): each region's MDT board is allow-listed like a case
room. Only the region's MDT now (nl.casusruimte.directory.mdt in the directory)
joins it and posts on it, and, for the minutes of posting an aanmelding, the
opener of a new case whom the service invited with reason `aanmelding`; only
the service invites, removes and sets state; members send only the megolm
envelope. In a case room the region's MDT chair may come in on an `mdt-chair`
invitation even when their organisation is not in the access basis (the basis
is the chair role, and the membership reason says so), and a new regiehouder or
deputy must work for one of the regie organisations (policy.json).

The record can grow (issue 12): the phase never goes back, with one exception:
the service reopens a closed case while it is retained (closed -> regie or
triage, closed_at and retention_until null, every other field unchanged;
POST /api/cases/<room>/reopen, src/lib/case/reopen.ts). Nobody else moves a
closed case's state.

Messages never contain values from the event content (they reach the
homeserver's log and the privacy officer's rejection log): only field paths,
user IDs, organisation codes from the directory and rule descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import re
from datetime import datetime, timezone

from .schemas import ACCESS, CASE, REGIE, STATE_TYPES, TRIAGE_STATUS, Schemas, _plain

NAMESPACE = "nl.casusruimte."
DIRECTORY_NAMESPACE = "nl.casusruimte.directory."
DIRECTORY_USER_EVENT = "nl.casusruimte.directory.user"
CASE_ROOM_TYPE = "nl.casusruimte.case"
# src/lib/case/board.ts and src/lib/directory/mdt.ts (the agenda state and the board pointer need no rule beyond their shape)
BOARD_ROOM_TYPE = "nl.casusruimte.board"
BOARD_STATE = "nl.casusruimte.board"
MDT_EVENT = "nl.casusruimte.directory.mdt"
# Compartments (issue 13, src/lib/case/compartments.ts).
COMPARTMENT_ROOM_TYPE = "nl.casusruimte.compartment"
COMPARTMENT_POINTER = "nl.casusruimte.compartment"
COMPARTMENT_OF = "nl.casusruimte.compartment.of"
COMPARTMENT_GRANT = "nl.casusruimte.compartment.grant"
# Membership reasons (src/lib/case/reasons.ts) the rules read.
MDT_CHAIR_REASON = "mdt-chair"
AANMELDING_REASON = "aanmelding"
# How long after joining an aanmelding guest (not in the MDT) may post on the board.
GUEST_WINDOW_MS = 60 * 60 * 1000
# Roles that may be a member of a case (never only privacy officer or administrator).
CASE_ROLES = ("professional", "chair")
# How far a member's closed_at may be from the server's clock.
CLOSURE_SLACK_MS = 5 * 60 * 1000
# retentionAllowed's slack (src/lib/case/policy.ts).
RETENTION_SLACK_MS = 60 * 1000
# Plaintext state that an ordinary (non-product) room may not carry either.
PLAINTEXT_ROOM_STATE = frozenset({"m.room.name", "m.room.topic", "m.room.avatar", "m.room.pinned_events"})
PHASES = ("first_contact", "triage", "regie", "closed")
# Where the service reopens a closed case to (src/lib/case/reopen.ts): regie, or triage when never triaged.
REOPENED_PHASES = ("regie", "triage")
# Fields of the case state that identify the case and never change once set.
IMMUTABLE_CASE_FIELDS = ("reference", "region", "first_report_at")
MEGOLM = "m.megolm.v1.aes-sha2"
# Synapse itself sends these (empty) events to tidy up forward extremities.
SYNAPSE_DUMMY_EVENT = "org.matrix.dummy_event"

PREFIX = "casusruimte: "

# Stable rule codes: the privacy officer's console and the TS client rely on them.
SCHEMA = "schema"
UNENCRYPTED = "unencrypted"
INVITE_NOT_COVERED = "invite_not_covered"
JOIN_NOT_INVITED = "join_not_invited"
JOIN_RULE = "join_rule"
HISTORY_VISIBILITY = "history_visibility"
GUEST_ACCESS = "guest_access"
ALIAS = "alias"
PUBLISH = "publish"
ROLE = "role"
IMMUTABLE = "immutable"
PHASE = "phase"
# The allow-list (issue 10): codes the console shows.
NOT_ALLOWED = "not_allowed"  # an event type that a room of this kind never holds
SERVICE_ONLY = "service_only"  # an event that only the casusruimte service sends
CLOSED = "closed"  # no new members and no case changes by members once a case is closed
INVITE_ROLE = "invite_role"  # the invitee's directory roles do not allow them into a case
NOT_COORDINATOR = "not_coordinator"  # invite or remove by someone who does not coordinate the case now
PROFILE = "profile"  # a display name other than the directory's, or another profile field
UNKNOWN_ORGANISATION = "unknown_organisation"  # access lists an organisation the directory does not know
RETENTION = "retention"  # retention_until outside the configured window, or set while the case is open
CLOSURE_DATE = "closure_date"  # closed_at far from the server's clock when a member closes the case
ROOM_CREATION = "room_creation"  # only the service creates rooms
MEDIA = "media"  # a media upload that is not an encrypted blob
# The daily MDT (issue 12).
MDT_MEMBER = "mdt_member"  # on a board (or as mdt-chair in a case) without being in the region's MDT now
REGIE_ORGANISATION = "regie_organisation"  # a regiehouder or deputy outside the regie organisations
# Need-to-know (issue 13).
COMPARTMENT = "compartment"  # in a compartment without being in the case, or without a basis for its purpose
# A case room's fixed rules, refused by name (403) rather than as a shape error.
ROOM_RULES = {
    "m.room.join_rules": (JOIN_RULE, "a case room's join rule stays invite"),
    "m.room.history_visibility": (HISTORY_VISIBILITY, "a case room's history stays shared: never world-readable"),
    "m.room.guest_access": (GUEST_ACCESS, "guests may not join a case room"),
}
WHERE = {
    "case": "a case room",
    "board": "an MDT board",
    "directory": "the directory room",
    "compartment": "a compartment of a case",
}


@dataclass(frozen=True)
class Rejection:
    rule: str
    message: str
    status: int = 403
    errcode: str = "M_FORBIDDEN"

    @property
    def text(self) -> str:
        return PREFIX + self.message


def forbidden(rule: str, message: str) -> Rejection:
    return Rejection(rule, message)


def bad_json(message: str) -> Rejection:
    return Rejection(SCHEMA, message, 400, "M_BAD_JSON")


@dataclass(frozen=True)
class Event:
    type: str
    sender: str
    content: Mapping[str, Any]
    # None for timeline (non-state) events.
    state_key: str | None = None

    @property
    def is_state(self) -> bool:
        return self.state_key is not None


@dataclass(frozen=True)
class Room:
    """The room's state before the event: (type, state_key) -> content, plus the
    sender of m.room.create (the room's creator)."""

    state: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    creator: str | None = None
    # user ID -> when their current m.room.member event was sent (ms since epoch), where known.
    member_since: Mapping[str, int] = field(default_factory=dict)
    # user ID -> the reason of the invitation that their current join answered, where known
    # (the caller fills it for the one sender of a board post).
    joined_on: Mapping[str, str | None] = field(default_factory=dict)

    def content(self, event_type: str, state_key: str = "") -> Mapping[str, Any] | None:
        return self.state.get((event_type, state_key))

    def membership(self, user_id: str) -> str | None:
        member = self.content("m.room.member", user_id)
        value = member.get("membership") if member else None
        return value if isinstance(value, str) else None

    @property
    def is_case_room(self) -> bool:
        create = self.content("m.room.create")
        return bool(create) and create.get("type") == CASE_ROOM_TYPE

    @property
    def is_board(self) -> bool:
        create = self.content("m.room.create")
        return bool(create) and create.get("type") == BOARD_ROOM_TYPE

    @property
    def is_compartment(self) -> bool:
        create = self.content("m.room.create")
        return bool(create) and create.get("type") == COMPARTMENT_ROOM_TYPE

    def compartment_of(self) -> tuple[str | None, str | None]:
        """A compartment's case room ID and purpose (its nl.casusruimte.compartment.of state)."""
        of = self.content(COMPARTMENT_OF) or {}
        room_id, purpose = of.get("case_room_id"), of.get("purpose")
        return (room_id if isinstance(room_id, str) else None, purpose if isinstance(purpose, str) else None)

    def kind(self, service: str) -> str | None:
        """"case", "board", "directory" (the service's only other room) or None (a room outside the product)."""
        if self.content("m.room.create") is None:
            return None
        if self.is_case_room:
            return "case"
        if self.is_board:
            return "board"
        if self.is_compartment:
            return "compartment"
        return "directory" if self.creator == service else None

    def region(self) -> str | None:
        """The case's region (case state) or the board's (board state)."""
        content = self.content(BOARD_STATE) if self.is_board else self.content(CASE)
        region = (content or {}).get("region")
        return region if isinstance(region, str) else None

    def invite_reason(self, user_id: str) -> str | None:
        """The reason of the user's pending invitation, if they are invited."""
        member = self.content("m.room.member", user_id)
        if not member or member.get("membership") != "invite":
            return None
        reason = member.get("reason")
        return reason if isinstance(reason, str) else None

    def phase(self) -> str | None:
        case = self.content(CASE) or {}
        phase = case.get("phase")
        return phase if isinstance(phase, str) else None

    def covered_organisations(self) -> set[str]:
        access = self.content(ACCESS) or {}
        orgs = access.get("organisations")
        if not isinstance(orgs, (list, tuple)):
            return set()
        return {o["org"] for o in orgs if isinstance(o, Mapping) and isinstance(o.get("org"), str)}

    def regie(self) -> tuple[str | None, str | None]:
        regie = self.content(REGIE) or {}
        holder, deputy = regie.get("regiehouder"), regie.get("deputy")
        return (holder if isinstance(holder, str) else None, deputy if isinstance(deputy, str) else None)


@dataclass(frozen=True)
class DirectoryEntry:
    org: str
    roles: tuple[str, ...]
    active: bool
    display_name: str | None = None

    @classmethod
    def parse(cls, content: Any) -> "DirectoryEntry | None":
        """A directory user entry (src/lib/directory/schema.ts), or None when it is
        missing, removed ({}), or malformed: a bad entry grants nothing."""
        if not isinstance(content, Mapping):
            return None
        org, roles, active = content.get("org"), content.get("roles"), content.get("active")
        if not isinstance(org, str) or not isinstance(roles, (list, tuple)) or not isinstance(active, bool):
            return None
        name = content.get("display_name")
        return cls(org, tuple(r for r in roles if isinstance(r, str)), active, name if isinstance(name, str) else None)

    def has_role(self, role: str) -> bool:
        return self.active and role in self.roles


Directory = Mapping[str, "DirectoryEntry | None"]


@dataclass(frozen=True)
class Mdt:
    """A region's MDT from the directory (src/lib/directory/mdt.ts): its chairs and members."""

    region: str
    chairs: frozenset[str] = frozenset()
    members: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, region: str, content: Any) -> "Mdt | None":
        """None when the region has no MDT (missing, removed ({}), or malformed: a bad entry grants nothing)."""
        if not isinstance(content, Mapping) or content.get("region") != region:
            return None
        chairs, members = content.get("chairs"), content.get("members")
        if not isinstance(chairs, (list, tuple)) or not isinstance(members, (list, tuple)):
            return None
        return cls(
            region,
            frozenset(c for c in chairs if isinstance(c, str)),
            frozenset(m.get("user") for m in members if isinstance(m, Mapping) and isinstance(m.get("user"), str)),
        )

    def sits_in(self, user_id: str) -> bool:
        return user_id in self.chairs or user_id in self.members



def parse_instant(value: Any) -> int | None:
    """An ISO 8601 UTC instant (the schema checked its form) as ms since the epoch."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


def add_months(ms: int, months: int) -> int:
    """addMonths of src/lib/case/policy.ts: whole calendar months, the day kept or clamped to the month's last."""
    d = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    next_first = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.utc)
    last = (next_first - datetime(year, month, 1, tzinfo=timezone.utc)).days
    out = d.replace(year=year, month=month, day=min(d.day, last))
    return int(out.timestamp() * 1000)


def retention_allowed(closed_at: int, retention_until: int, policy: Mapping[str, int]) -> bool:
    """retentionAllowed of src/lib/case/policy.ts."""
    earliest = add_months(closed_at, policy["min_months"])
    latest = add_months(closed_at, policy["max_months"])
    return earliest - RETENTION_SLACK_MS <= retention_until <= latest + RETENTION_SLACK_MS


@dataclass(frozen=True)
class CaseLink:
    """What a compartment's rules need of its case room now: the access basis, the phase
    and the case-room membership of the people involved."""

    access: tuple[Mapping[str, Any], ...] = ()
    phase: str | None = None
    memberships: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, access: Any, case: Any, memberships: Mapping[str, str | None]) -> "CaseLink":
        orgs = access.get("organisations") if isinstance(access, Mapping) else None
        entries = tuple(o for o in orgs if isinstance(o, Mapping)) if isinstance(orgs, (list, tuple)) else ()
        phase = case.get("phase") if isinstance(case, Mapping) else None
        return cls(entries, phase if isinstance(phase, str) else None, dict(memberships))

    def entry(self, org: str) -> Mapping[str, Any] | None:
        return next((e for e in self.access if e.get("org") == org), None)


@dataclass(frozen=True)
class Context:
    """What a decision may need beyond the room: directory entries of the people
    involved, the organisation codes the directory knows, and the server's clock."""

    directory: Directory = field(default_factory=dict)
    organisations: frozenset[str] | None = None
    now_ms: int = 0
    # The MDT of the region the decision is about (mdt_region()), or None when it has none.
    mdt: Mdt | None = None
    # For an event in a compartment: its case room now (compartment_case()), None when unreadable.
    case: CaseLink | None = None


class Rules:
    def __init__(self, service_user_id: str, schemas: Schemas):
        self.service = service_user_id
        self.schemas = schemas

    # --- what the caller must look up first ---------------------------------

    def users_to_look_up(self, event: Event, room: Room) -> set[str]:
        """Whose directory entries check() needs for this event (none where the room's
        own state decides, so a regiehouder's removal works even without the directory)."""
        kind = room.kind(self.service)
        if kind is None:
            return set()
        if event.sender == self.service:
            if event.type == "m.room.member" and event.state_key and event.content.get("membership") == "invite":
                return {event.state_key} - {self.service}
            if event.type == REGIE and kind == "case":
                return self._new_regie(event, room) - {self.service}
            return set()
        if kind == "board" and event.type == "m.room.encrypted":
            return {event.sender}
        if kind == "compartment":
            return set(self.compartment_case(event, room)[1]) if self.compartment_case(event, room) else set()
        holder, deputy = room.regie()
        coordinator_by_state = event.sender in (holder, deputy) and room.membership(event.sender) == "join"
        users: set[str] = set()
        if event.type == "m.room.member" and event.state_key:
            membership = event.content.get("membership")
            if membership in ("invite", "join") or "displayname" in event.content:
                users.add(event.state_key)
            if kind == "case" and membership in ("invite", "leave") and event.sender != event.state_key and not coordinator_by_state:
                users.add(event.sender)
        elif event.type in (CASE, TRIAGE_STATUS, ACCESS) and kind == "case" and event.sender not in (holder, deputy):
            users.add(event.sender)
        users.discard(self.service)
        return users

    def compartment_case(self, event: Event, room: Room) -> tuple[str, tuple[str, ...]] | None:
        """For an event in a compartment that its case decides (an invitation, a join, a post):
        the case room to read now and whose membership there matters; else None."""
        if not room.is_compartment:
            return None
        case_room_id, _ = room.compartment_of()
        if case_room_id is None:
            return None
        if event.type == "m.room.member" and event.state_key and event.state_key != self.service:
            if event.content.get("membership") in ("invite", "join"):
                return case_room_id, (event.state_key,)
            return None
        if event.type == "m.room.encrypted" and event.sender != self.service:
            return case_room_id, (event.sender,)
        return None

    def compartment_member_refusal(
        self, user_id: str, purpose: str | None, link: CaseLink | None, directory: Directory, action: str, joined_only: bool = False
    ) -> Rejection | None:
        """memberRefusal of src/lib/case/compartments.ts: someone may be in a compartment while they are
        in the case, active with a case role, and their organisation's basis covers its purpose."""
        if link is None or purpose is None:
            return forbidden(COMPARTMENT, f"the case of this compartment could not be read, so nobody can {action} it now")
        membership = link.memberships.get(user_id)
        if membership != "join" and (joined_only or membership != "invite"):
            return forbidden(COMPARTMENT, f"{user_id} is not in the case, so cannot {action} one of its compartments")
        refusal = self._check_person(user_id, directory, action, "a compartment")
        if refusal:
            return refusal
        org = directory[user_id].org  # _check_person saw the entry
        entry = link.entry(org)
        if entry is None or purpose not in self.schemas.purposes_covered(entry):
            return forbidden(
                COMPARTMENT,
                f"{user_id} works for {org}, whose basis in the case (nl.casusruimte.access) does not cover "
                f"this compartment's purpose ({purpose}); record consent for {purpose} or a statutory ground first",
            )
        return None

    def _check_compartment_membership(self, event: Event, room: Room, ctx: Context) -> Rejection | None:
        """Only the service invites and removes; members join (re-checked now) and leave."""
        target = event.state_key or ""
        sender = event.sender
        membership = event.content.get("membership")
        _, purpose = room.compartment_of()
        if membership == "knock":
            return forbidden(JOIN_NOT_INVITED, "a compartment takes no knocks: a coordinator of the case asks the service to invite")
        if target == self.service:
            return None if sender == self.service else forbidden(SERVICE_ONLY, "the service's membership is its own")
        if sender == self.service:
            if membership != "invite":
                return None  # removals (consent withdrawn, no longer in the case) always work
            if ctx.case is not None and ctx.case.phase == "closed":
                return forbidden(CLOSED, "a closed case takes no new members, in none of its compartments")
            return self.compartment_member_refusal(target, purpose, ctx.case, ctx.directory, "be invited into")
        if sender != target or membership not in ("join", "leave"):
            return forbidden(
                SERVICE_ONLY,
                "in a compartment only the casusruimte service invites and removes (on a coordinator's request); "
                "members only join and leave",
            )
        if membership == "leave":
            return None
        previous = room.membership(target)
        if previous == "join":
            return None  # a profile change (checked by _check_profile)
        if previous != "invite":
            return forbidden(JOIN_NOT_INVITED, "a compartment is joined on the service's invitation only")
        if ctx.case is not None and ctx.case.phase == "closed":
            return forbidden(CLOSED, "a closed case takes no new members, in none of its compartments")
        return self.compartment_member_refusal(target, purpose, ctx.case, ctx.directory, "join")

    def needs_organisations(self, event: Event, room: Room) -> bool:
        return event.type == ACCESS and room.is_case_room

    def mdt_region(self, event: Event, room: Room) -> str | None:
        """The region whose MDT check() needs for this event, if any: who is on a
        board, and the chair who comes into a case on an mdt-chair invitation."""
        kind = room.kind(self.service)
        if kind == "board":
            if event.type == "m.room.member" and event.content.get("membership") in ("invite", "join"):
                return room.region()
            if event.type == "m.room.encrypted" and event.sender != self.service:
                return room.region()
            return None
        if kind == "case" and event.type == "m.room.member" and event.state_key:
            membership = event.content.get("membership")
            if membership == "invite" and event.content.get("reason") == MDT_CHAIR_REASON:
                return room.region()
            if membership == "join" and room.invite_reason(event.state_key) == MDT_CHAIR_REASON:
                return room.region()
        return None

    @staticmethod
    def _new_regie(event: Event, room: Room) -> set[str]:
        """The regiehouder and deputy that a regie event names and the room did not have in that place."""
        old_holder, old_deputy = room.regie()
        new: set[str] = set()
        holder, deputy = event.content.get("regiehouder"), event.content.get("deputy")
        if isinstance(holder, str) and holder != old_holder:
            new.add(holder)
        if isinstance(deputy, str) and deputy != old_deputy:
            new.add(deputy)
        return new

    # --- the decision -------------------------------------------------------

    def check(self, event: Event, room: Room, directory: Directory | Context) -> Rejection | None:
        ctx = directory if isinstance(directory, Context) else Context(directory=directory)
        if event.type == "m.room.create":
            return self._check_create(event)
        kind = room.kind(self.service)
        if kind is None:
            return self._check_other_room(event)
        allowed = self.schemas.allowed(kind, event.type)
        where = WHERE[kind]
        if allowed is None:
            return self._not_allowed(event, where)
        if (allowed.state is None) == event.is_state:
            return forbidden(NOT_ALLOWED, f"{event.type} is " + ("not " if allowed.state is None else "only ") + f"state in {where}")
        if allowed.state == "empty" and event.state_key != "":
            return bad_json(f"{event.type}: the state key must be empty")
        if allowed.state == "directory-user" and not (event.state_key or "").startswith("user:@"):
            return bad_json(f"{event.type}: the state key must be user: followed by a user ID")
        if allowed.state == "region" and event.state_key not in self.schemas.regions:
            return bad_json(f"{event.type}: the state key must be a region code such as DH")
        if allowed.state == "compartment" and not re.match(self.schemas.compartment_pattern, event.state_key or ""):
            return bad_json(f"{event.type}: the state key must be a compartment id (strafrecht, zorg or apart-<number>)")
        if allowed.sender == "service" and event.sender != self.service:
            return self._service_only(event, where)
        if event.type == "m.room.member":
            refusal = (
                self._check_board_membership(event, room, ctx)
                if kind == "board"
                else self._check_compartment_membership(event, room, ctx)
                if kind == "compartment"
                else self._check_membership(event, room, ctx, kind)
            )
            if refusal:
                return refusal
        elif kind == "board" and event.type == "m.room.encrypted":
            refusal = self._check_board_sender(event, room, ctx)
            if refusal:
                return refusal
        elif kind == "compartment" and event.type == "m.room.encrypted" and event.sender != self.service:
            # Authority now: a member whose purpose was withdrawn posts nothing more, even before removal.
            refusal = self.compartment_member_refusal(
                event.sender, room.compartment_of()[1], ctx.case, ctx.directory, "post in", joined_only=True
            )
            if refusal:
                return refusal
        elif event.type in (CASE, TRIAGE_STATUS, ACCESS):
            refusal = self._check_role(event, room, ctx)
            if refusal:
                return refusal
        problem = self.schemas.problem(event.type, event.content, allowed.validator)
        if problem:
            if kind in ("case", "board", "compartment") and event.type in ROOM_RULES:
                rule, message = ROOM_RULES[event.type]
                return forbidden(rule, message)
            return bad_json(f"{event.type}: {problem}")
        if event.type == "m.room.member":
            return self._check_profile(event, ctx)
        if event.type == CASE:
            return self._check_case(event, room.content(CASE), ctx)
        if event.type == ACCESS:
            return self._check_access(event, ctx)
        if event.type == REGIE and kind == "case":
            return self._check_regie(event, room, ctx)
        if event.type == MDT_EVENT and event.content and event.content.get("region") != event.state_key:
            return bad_json(f"{MDT_EVENT}: region must be the state key")
        if event.type == COMPARTMENT_OF and kind == "compartment" and room.content(COMPARTMENT_OF) is not None:
            if dict(_plain(event.content)) != dict(_plain(room.content(COMPARTMENT_OF))):
                return forbidden(IMMUTABLE, f"{COMPARTMENT_OF}: a compartment's case and purpose never change")
        if event.type == BOARD_STATE and kind == "board":
            old = (room.content(BOARD_STATE) or {}).get("region")
            if old is not None and event.content.get("region") != old:
                return forbidden(IMMUTABLE, f"{BOARD_STATE}: a board's region never changes")
        return None

    def _not_allowed(self, event: Event, where: str) -> Rejection:
        if event.type == "m.room.canonical_alias":
            return forbidden(ALIAS, f"{where} has no alias: an address could reveal the case")
        if not event.is_state and event.type != "m.room.encrypted":
            return forbidden(
                UNENCRYPTED,
                f"{event.type} must be sent end-to-end encrypted (as m.room.encrypted) in {where}; "
                "case content never travels in plaintext",
            )
        return forbidden(
            NOT_ALLOWED,
            f"{event.type} is not an event {where} holds; "
            + (
                "plaintext case state is only " + ", ".join(STATE_TYPES) + ", set through the app"
                if where == WHERE["case"]
                else "an MDT board holds only encrypted records; the service sets it up"
                if where == WHERE["board"]
                else "a compartment holds only encrypted records; the service sets it up"
                if where == WHERE["compartment"]
                else "the directory is written by the casusruimte service"
            ),
        )

    def _service_only(self, event: Event, where: str) -> Rejection:
        if event.type == "m.room.message":
            return forbidden(
                UNENCRYPTED,
                f"messages in {where} must be end-to-end encrypted; plaintext is allowed only for the service's notices",
            )
        if event.type == "m.room.redaction":
            return forbidden(ROLE, f"only the casusruimte service redacts events in {where}")
        if event.type == REGIE:
            return forbidden(ROLE, f"{REGIE} changes only through the service (a regie handover in the app)")
        return forbidden(SERVICE_ONLY, f"{event.type} in {where} is set by the casusruimte service only")

    def _check_create(self, event: Event) -> Rejection | None:
        if event.sender != self.service:
            if event.content.get("type") == CASE_ROOM_TYPE:
                # Room v12 gives a room's creator power nobody can revoke: no person may hold that over a case.
                return forbidden(ROLE, "only the casusruimte service creates case rooms; open a case through the app")
            return forbidden(ROOM_CREATION, "rooms are created by the casusruimte service only; open a case through the app")
        room_type = event.content.get("type")
        kind = (
            "case"
            if room_type == CASE_ROOM_TYPE
            else "board"
            if room_type == BOARD_ROOM_TYPE
            else "compartment"
            if room_type == COMPARTMENT_ROOM_TYPE
            else "directory"
        )
        allowed = self.schemas.allowed(kind, "m.room.create")
        problem = self.schemas.problem("m.room.create", event.content, allowed.validator if allowed else None)
        return bad_json(f"m.room.create: {problem}") if problem else None

    def _check_other_room(self, event: Event) -> Rejection | None:
        """A room outside the product (from before this rule: only the service creates rooms now).
        Nothing in plaintext: timeline only encrypted, no named or described rooms, no casusruimte state."""
        t = event.type
        if t.startswith(NAMESPACE):
            if not event.is_state:
                return forbidden(
                    UNENCRYPTED,
                    f"{t} must be sent end-to-end encrypted (as m.room.encrypted); case content never travels in plaintext",
                )
            if t.startswith(DIRECTORY_NAMESPACE):
                return forbidden(ROLE, f"{t} is written by the casusruimte service only")
            return forbidden(
                UNENCRYPTED,
                f"{t} is not allowed here: plaintext casusruimte state exists only in case rooms "
                "(case, triage.status, regie, access) and in the directory room",
            )
        if not event.is_state:
            if t == "m.room.encrypted":
                allowed = self.schemas.allowed("case", t)
                problem = self.schemas.problem(t, event.content, allowed.validator if allowed else None)
                return bad_json(f"{t}: {problem}") if problem else None
            if t in ("m.room.redaction", SYNAPSE_DUMMY_EVENT):
                return None
            return forbidden(UNENCRYPTED, f"{t} must be sent end-to-end encrypted (as m.room.encrypted): no plaintext anywhere")
        if t in PLAINTEXT_ROOM_STATE:
            return forbidden(UNENCRYPTED, f"{t} would be plaintext on the server: rooms here carry no name, topic or picture")
        if t == "m.room.encryption" and event.content.get("algorithm") != MEGOLM:
            return forbidden(UNENCRYPTED, f"a room's encryption stays {MEGOLM}")
        return None

    # --- membership ----------------------------------------------------------

    def _coordinates(self, user_id: str, room: Room, ctx: Context) -> bool:
        """A current coordinator: the joined regiehouder or deputy (regie state), or an active MDT chair now."""
        holder, deputy = room.regie()
        if user_id in (holder, deputy) and room.membership(user_id) == "join":
            return True
        entry = ctx.directory.get(user_id)
        return entry is not None and entry.has_role("chair")

    def _check_membership(self, event: Event, room: Room, ctx: Context, kind: str) -> Rejection | None:
        target = event.state_key or ""
        sender = event.sender
        membership = event.content.get("membership")
        if membership == "knock":
            return forbidden(JOIN_NOT_INVITED, "a case room takes no knocks: ask the regiehouder or the MDT chair to invite you")
        if sender == self.service:
            if kind == "case" and membership == "invite" and target != self.service:
                if room.phase() == "closed":
                    return forbidden(CLOSED, "a closed case takes no new members")
                return self._check_invitee(event, room, ctx)
            return None
        if kind == "directory":
            if sender != target or membership not in ("join", "leave"):
                return forbidden(SERVICE_ONLY, "in the directory room members only join and leave themselves; the service does the rest")
            return None
        if membership == "leave":
            if sender == target:
                return None  # leaving is always possible
            if not self._coordinates(sender, room, ctx):
                return forbidden(NOT_COORDINATOR, "only the regiehouder, the deputy or an MDT chair removes someone from a case")
            return None
        if membership == "ban":
            return forbidden(SERVICE_ONLY, "only the casusruimte service bans from a case room")
        if membership == "invite":
            if room.phase() == "closed":
                return forbidden(CLOSED, "a closed case takes no new members")
            if not self._coordinates(sender, room, ctx):
                return forbidden(NOT_COORDINATOR, "only the regiehouder, the deputy or an MDT chair invites someone into a case")
            return self._check_invitee(event, room, ctx)
        if membership == "join":
            previous = room.membership(target)
            if previous == "join":
                return None  # a profile change (checked below)
            if room.phase() == "closed":
                return forbidden(CLOSED, "a closed case takes no new members")
            if previous != "invite":
                return forbidden(
                    JOIN_NOT_INVITED,
                    "a case room is joined by invitation only: ask the regiehouder or the MDT chair to invite you",
                )
            # Still covered? Roles and the access basis may have changed since the invitation.
            covered = self._check_covered(target, room, ctx.directory, "join")
            if covered and room.invite_reason(target) == MDT_CHAIR_REASON:
                # Invited as the region's MDT chair: the chair role is the basis, if it still holds.
                return self._check_region_chair(target, room, ctx, "join")
            return covered
        return None  # anything else is a shape error, refused by the schema

    def _check_invitee(self, event: Event, room: Room, ctx: Context) -> Rejection | None:
        target = event.state_key or ""
        if event.content.get("reason") == MDT_CHAIR_REASON:
            # The region's MDT chair, to record the MDT's decision: the basis is the chair role, not the access list.
            return self._check_region_chair(target, room, ctx, "be invited into")
        return self._check_covered(target, room, ctx.directory, "be invited into")

    def _check_region_chair(self, user_id: str, room: Room, ctx: Context, action: str) -> Rejection | None:
        refusal = self._check_person(user_id, ctx.directory, action, "a case")
        if refusal:
            return refusal
        region = room.region()
        if ctx.mdt is None or ctx.mdt.region != region or user_id not in ctx.mdt.chairs:
            return forbidden(
                MDT_MEMBER,
                f"{user_id} does not chair the MDT of region {region} now, so cannot {action} a case as its MDT chair",
            )
        return None

    def _check_person(self, user_id: str, directory: Directory, action: str, what: str) -> Rejection | None:
        """An active user with a role that may take part in cases (professional or chair)."""
        entry = directory.get(user_id)
        if entry is None or not entry.active:
            return forbidden(
                INVITE_NOT_COVERED,
                f"{user_id} is not an active user in the casusruimte directory, so cannot {action} {what}",
            )
        if not any(role in entry.roles for role in CASE_ROLES):
            return forbidden(
                INVITE_ROLE,
                f"{user_id} is not an MDT professional or chair in the directory, so cannot {action} {what} "
                "(a privacy officer or administrator works through the console, never in the room)",
            )
        return None

    # --- the MDT board ---------------------------------------------------------------

    def _in_region_mdt(self, user_id: str, room: Room, ctx: Context) -> bool:
        region = room.region()
        return region is not None and ctx.mdt is not None and ctx.mdt.region == region and ctx.mdt.sits_in(user_id)

    def _check_board_membership(self, event: Event, room: Room, ctx: Context) -> Rejection | None:
        """Only the service invites and removes; the region's MDT joins (and an aanmelding guest)."""
        target = event.state_key or ""
        sender = event.sender
        membership = event.content.get("membership")
        region = room.region()
        if membership == "knock":
            return forbidden(JOIN_NOT_INVITED, "an MDT board takes no knocks: the service invites the region's MDT")
        if target == self.service:
            return None if sender == self.service else forbidden(SERVICE_ONLY, "the service's membership is its own")
        if sender == self.service:
            if membership != "invite":
                return None  # removals (role-ended) always work
            refusal = self._check_person(target, ctx.directory, "be invited onto", "an MDT board")
            if refusal:
                return refusal
            if event.content.get("reason") == AANMELDING_REASON:
                return None  # the opener of a new case, for the time of posting the aanmelding
            if not self._in_region_mdt(target, room, ctx):
                return forbidden(MDT_MEMBER, f"{target} does not sit in the MDT of region {region} now, so is not invited onto its board")
            return None
        if sender != target or membership not in ("join", "leave"):
            return forbidden(SERVICE_ONLY, "on an MDT board only the casusruimte service invites and removes; members only join and leave")
        if membership == "leave":
            return None
        previous = room.membership(target)
        if previous == "join":
            return None  # a profile change (checked by _check_profile)
        if previous != "invite":
            return forbidden(JOIN_NOT_INVITED, "an MDT board is joined on the service's invitation only")
        refusal = self._check_person(target, ctx.directory, "join", "an MDT board")
        if refusal:
            return refusal
        if room.invite_reason(target) == AANMELDING_REASON or self._in_region_mdt(target, room, ctx):
            return None
        return forbidden(MDT_MEMBER, f"{target} does not sit in the MDT of region {region} now, so cannot join its board")

    def _check_board_sender(self, event: Event, room: Room, ctx: Context) -> Rejection | None:
        """A record on the board: from the region's MDT now, or from an aanmelding guest just after joining."""
        sender = event.sender
        if sender == self.service:
            return None
        refusal = self._check_person(sender, ctx.directory, "post on", "an MDT board")
        if refusal:
            return forbidden(MDT_MEMBER, refusal.message)
        if self._in_region_mdt(sender, room, ctx):
            return None
        since = room.member_since.get(sender)
        if (
            room.membership(sender) == "join"
            and room.joined_on.get(sender) == AANMELDING_REASON
            and since is not None
            and 0 <= ctx.now_ms - since <= GUEST_WINDOW_MS
        ):
            return None  # the opener of a new case, invited as aanmelding guest, posting the aanmelding
        return forbidden(
            MDT_MEMBER,
            f"{sender} does not sit in the MDT of region {room.region()} now; only the region's MDT posts on its board "
            "(and the opener of a new case, right after joining for the aanmelding)",
        )

    def _check_covered(self, user_id: str, room: Room, directory: Directory, action: str) -> Rejection | None:
        if user_id == self.service:
            return None
        refused = self._check_person(user_id, directory, action, "a case")
        if refused is not None:
            return refused
        entry = directory.get(user_id)
        org = entry.org if entry is not None else None  # None only if the directory changed in between
        if org is None or org not in room.covered_organisations():
            return forbidden(
                INVITE_NOT_COVERED,
                f"{user_id} works for {org}, which this case's access basis (nl.casusruimte.access) "
                f"does not cover; record consent or a statutory ground for {org} first",
            )
        return None

    def _check_profile(self, event: Event, ctx: Context) -> Rejection | None:
        """The display name in a member event is the directory's (Synapse copies the profile, which only admins set)."""
        name = event.content.get("displayname")
        target = event.state_key or ""
        if name is None or target == self.service:
            return None
        entry = ctx.directory.get(target)
        if entry is None or entry.display_name != name:
            return forbidden(PROFILE, f"{target}: the display name in a room is the one in the casusruimte directory")
        return None

    # --- case state ------------------------------------------------------------

    def _check_role(self, event: Event, room: Room, ctx: Context) -> Rejection | None:
        """src/lib/case/permissions.ts, for the plaintext state the server can see."""
        sender = event.sender
        if sender == self.service:
            return None
        if room.phase() == "closed":
            return forbidden(CLOSED, f"a closed case changes only through the service (the privacy officer's console); {event.type} stays")
        holder, deputy = room.regie()
        if sender in (holder, deputy):
            return None
        entry = ctx.directory.get(sender)
        if entry is not None and entry.has_role("chair"):
            return None
        return forbidden(ROLE, f"only the regiehouder, the deputy or an MDT chair may change {event.type}")

    def _check_regie(self, event: Event, room: Room, ctx: Context) -> Rejection | None:
        """A new regiehouder or deputy works for one of the regie organisations (policy.json);
        one who already held the place stays (a case from before the rule is not locked)."""
        allowed = self.schemas.regie_organisations
        for user_id in sorted(self._new_regie(event, room)):
            entry = ctx.directory.get(user_id)
            if entry is None or not entry.active:
                return forbidden(REGIE_ORGANISATION, f"{user_id} is not an active user in the casusruimte directory, so cannot hold regie")
            if entry.org not in allowed:
                return forbidden(
                    REGIE_ORGANISATION,
                    f"{user_id} works for {entry.org}; regie (regiehouder or deputy) is held by case managers of "
                    + ", ".join(sorted(allowed)),
                )
        return None

    def _check_access(self, event: Event, ctx: Context) -> Rejection | None:
        known = ctx.organisations
        orgs = event.content.get("organisations") or []
        codes = {o.get("org") for o in orgs if isinstance(o, Mapping)}
        if known is None:
            return forbidden(UNKNOWN_ORGANISATION, "the directory's organisations could not be read, so the access list cannot be checked")
        unknown = sorted(c for c in codes if c not in known)
        if unknown:
            # Codes are validated by the schema (capitals, digits, underscores), so naming them leaks nothing.
            return forbidden(UNKNOWN_ORGANISATION, f"{ACCESS}: {', '.join(unknown)} is not an organisation in the directory")
        return None

    def _check_case(self, event: Event, old: Mapping[str, Any] | None, ctx: Context) -> Rejection | None:
        new = event.content
        if self._is_reopening(event, old):
            return self._check_reopening(new, old or {}, ctx)
        refusal = self._check_case_invariants(new, old)
        if refusal:
            return refusal
        phase = new.get("phase")
        closed_at, retention_until = parse_instant(new.get("closed_at")), parse_instant(new.get("retention_until"))
        if phase != "closed":
            if new.get("retention_until") is not None or new.get("closed_at") is not None:
                return forbidden(RETENTION, f"{CASE}: closed_at and retention_until stay null until the case is closed")
            return None
        if closed_at is None or retention_until is None:
            return forbidden(RETENTION, f"{CASE}: a closed case has closed_at and retention_until")
        was_closed = bool(old) and old.get("phase") == "closed"
        if was_closed:
            if new.get("closed_at") != old.get("closed_at"):
                return forbidden(IMMUTABLE, f"{CASE}: closed_at never changes once the case is closed")
        elif event.sender != self.service and abs(closed_at - ctx.now_ms) > CLOSURE_SLACK_MS:
            return forbidden(CLOSURE_DATE, f"{CASE}: closed_at is the moment of closing (within a few minutes of the server's clock)")
        policy = self.schemas.retention
        if not retention_allowed(closed_at, retention_until, policy):
            return forbidden(
                RETENTION,
                f"{CASE}: retention_until must lie between {policy['min_months']} and {policy['max_months']} months after closed_at",
            )
        return None

    def _is_reopening(self, event: Event, old: Mapping[str, Any] | None) -> bool:
        """The service moves a closed case's phase back (src/lib/case/reopen.ts): the one way back."""
        return (
            event.sender == self.service
            and bool(old)
            and old.get("phase") == "closed"
            and event.content.get("phase") in REOPENED_PHASES
        )

    def _check_reopening(self, new: Mapping[str, Any], old: Mapping[str, Any], ctx: Context) -> Rejection | None:
        """Reopening: closed → regie or triage while retained, closed_at and retention_until null, every other field as it was."""
        retained_until = parse_instant(old.get("retention_until"))
        if retained_until is None or retained_until <= ctx.now_ms:
            return forbidden(RETENTION, f"{CASE}: a case is reopened only while it is retained (before retention_until)")
        if new.get("closed_at") is not None or new.get("retention_until") is not None:
            return forbidden(RETENTION, f"{CASE}: a reopened case has closed_at and retention_until null")
        for name in sorted(set(new) | set(old)):
            if name in ("phase", "closed_at", "retention_until"):
                continue
            if new.get(name) != old.get(name):
                return forbidden(IMMUTABLE, f"{CASE}: reopening changes only the phase, closed_at and retention_until ({name} stays)")
        return None

    def _check_case_invariants(self, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> Rejection | None:
        if not old:
            return None
        for name in IMMUTABLE_CASE_FIELDS:
            if name in old and new.get(name) != old.get(name):
                return forbidden(IMMUTABLE, f"{CASE}: {name} never changes once set")
        before, after = old.get("phase"), new.get("phase")
        if before in PHASES and after in PHASES and PHASES.index(after) < PHASES.index(before):
            return forbidden(PHASE, f"{CASE}: the phase never goes back (order: " + " → ".join(PHASES) + ")")
        return None

