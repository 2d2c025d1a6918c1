"""The case-room rules as pure decisions: an event, the room's state before it,
and the directory entries of the people involved go in; a refusal (or None)
comes out. No Synapse imports, so the rules are unit-tested without a server.

Why a server-side guard at all: power levels say who may send an event type,
not what it may contain or which organisation an invitee works for, and a
client can be bypassed with a stolen token and curl. The domain rules mirror
src/lib/case/permissions.ts and src/lib/matrix/room-template.ts.

Messages never contain values from the event content (they reach the
homeserver's log and the privacy officer's rejection log): only field paths,
user IDs, organisation codes from the directory and rule descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .schemas import ACCESS, CASE, REGIE, STATE_TYPES, TRIAGE_STATUS, Schemas

NAMESPACE = "nl.casusruimte."
DIRECTORY_NAMESPACE = "nl.casusruimte.directory."
DIRECTORY_USER_EVENT = "nl.casusruimte.directory.user"
CASE_ROOM_TYPE = "nl.casusruimte.case"
PHASES = ("first_contact", "triage", "regie", "closed")
# Fields of the case state that identify the case and never change once set.
IMMUTABLE_CASE_FIELDS = ("reference", "region", "first_report_at")
# What an m.room.encrypted event may carry besides ciphertext: the megolm
# envelope and the relation, which Matrix keeps in the clear.
ENCRYPTED_ENVELOPE = frozenset({"algorithm", "ciphertext", "session_id", "sender_key", "device_id", "m.relates_to"})
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

    @classmethod
    def parse(cls, content: Any) -> "DirectoryEntry | None":
        """A directory user entry (src/lib/directory/schema.ts), or None when it is
        missing, removed ({}), or malformed: a bad entry grants nothing."""
        if not isinstance(content, Mapping):
            return None
        org, roles, active = content.get("org"), content.get("roles"), content.get("active")
        if not isinstance(org, str) or not isinstance(roles, (list, tuple)) or not isinstance(active, bool):
            return None
        return cls(org, tuple(r for r in roles if isinstance(r, str)), active)

    def has_role(self, role: str) -> bool:
        return self.active and role in self.roles


Directory = Mapping[str, "DirectoryEntry | None"]


class Rules:
    def __init__(self, service_user_id: str, schemas: Schemas):
        self.service = service_user_id
        self.schemas = schemas

    # --- what the caller must look up first ---------------------------------

    def users_to_look_up(self, event: Event, room: Room) -> set[str]:
        """Whose directory entries check() needs for this event."""
        if not room.is_case_room:
            return set()
        if event.type == "m.room.member" and event.state_key:
            membership = event.content.get("membership")
            if membership == "invite" or (membership == "join" and room.membership(event.state_key) == "invite"):
                return {event.state_key}
            return set()
        if event.type in (CASE, TRIAGE_STATUS, ACCESS) and event.sender != self.service:
            if event.sender not in room.regie():
                return {event.sender}
        return set()

    # --- the decision -------------------------------------------------------

    def check(self, event: Event, room: Room, directory: Directory) -> Rejection | None:
        if event.type == "m.room.create":
            return self._check_create(event)
        if room.is_case_room:
            if not event.is_state:
                return self._check_case_timeline(event)
            if event.type == "m.room.member":
                return self._check_membership(event, room, directory)
            return self._check_case_state(event, room, directory)
        return self._check_other_room(event)

    def _check_create(self, event: Event) -> Rejection | None:
        if event.content.get("type") == CASE_ROOM_TYPE and event.sender != self.service:
            # Room v12 gives a room's creator power nobody can revoke: no person may hold that over a case.
            return forbidden(ROLE, "only the casusruimte service creates case rooms; open a case through the app")
        return None

    def _check_other_room(self, event: Event) -> Rejection | None:
        if not event.type.startswith(NAMESPACE):
            return None
        if not event.is_state:
            return forbidden(
                UNENCRYPTED,
                f"{event.type} must be sent end-to-end encrypted (as m.room.encrypted); "
                "case content never travels in plaintext",
            )
        if event.type.startswith(DIRECTORY_NAMESPACE):
            if event.sender != self.service:
                return forbidden(ROLE, f"{event.type} is written by the casusruimte service only")
            return None
        return forbidden(
            UNENCRYPTED,
            f"{event.type} is not allowed here: plaintext casusruimte state exists only in case rooms "
            "(case, triage.status, regie, access) and in the directory room",
        )

    def _check_case_timeline(self, event: Event) -> Rejection | None:
        if event.type == "m.room.encrypted":
            return self._check_envelope(event)
        if event.type == "m.room.message":
            if event.sender == self.service and event.content.get("msgtype") == "m.notice":
                return None  # a server-composed notice without case content
            return forbidden(
                UNENCRYPTED,
                "messages in a case room must be end-to-end encrypted; "
                "plaintext is allowed only for the service's notices",
            )
        if event.type == "m.room.redaction":
            if event.sender == self.service:
                return None
            return forbidden(ROLE, "only the casusruimte service redacts events in a case room")
        if event.type == SYNAPSE_DUMMY_EVENT and not event.content:
            return None
        return forbidden(
            UNENCRYPTED,
            f"{event.type} must be sent end-to-end encrypted (as m.room.encrypted) in a case room",
        )

    def _check_envelope(self, event: Event) -> Rejection | None:
        content = event.content
        if content.get("algorithm") != MEGOLM or not isinstance(content.get("ciphertext"), str):
            return forbidden(UNENCRYPTED, f"an encrypted event in a case room needs algorithm {MEGOLM} and a ciphertext")
        if not set(content.keys()) <= ENCRYPTED_ENVELOPE:
            # Anything next to the ciphertext would be plaintext; its name is not repeated (it could be content).
            return forbidden(
                UNENCRYPTED,
                "an encrypted event carries only the encryption envelope ("
                + ", ".join(sorted(ENCRYPTED_ENVELOPE))
                + "); it has another, plaintext field",
            )
        return None

    def _check_membership(self, event: Event, room: Room, directory: Directory) -> Rejection | None:
        target = event.state_key or ""
        membership = event.content.get("membership")
        if membership in ("leave", "ban"):
            return None  # removing someone (or leaving) must always be possible
        if membership == "invite":
            return self._check_covered(target, room, directory, "invite")
        if membership == "join":
            previous = room.membership(target)
            if previous == "join":
                return None  # a profile change
            if previous is None and target == room.creator:
                return None  # the service account joining the room it just created
            if previous != "invite":
                return forbidden(
                    JOIN_NOT_INVITED,
                    "a case room is joined by invitation only: ask the regiehouder or the MDT chair to invite you",
                )
            # Still covered? The access basis may have changed since the invitation.
            return self._check_covered(target, room, directory, "join")
        if membership == "knock":
            return forbidden(JOIN_NOT_INVITED, "a case room takes no knocks: ask the regiehouder or the MDT chair to invite you")
        return None

    def _check_covered(self, user_id: str, room: Room, directory: Directory, action: str) -> Rejection | None:
        if user_id == self.service:
            return None
        entry = directory.get(user_id)
        if entry is None or not entry.active:
            return forbidden(
                INVITE_NOT_COVERED,
                f"{user_id} is not an active user in the casusruimte directory, so cannot {action} a case",
            )
        if entry.org not in room.covered_organisations():
            return forbidden(
                INVITE_NOT_COVERED,
                f"{user_id} works for {entry.org}, which this case's access basis (nl.casusruimte.access) "
                f"does not cover; record consent or a statutory ground for {entry.org} first",
            )
        return None

    def _check_case_state(self, event: Event, room: Room, directory: Directory) -> Rejection | None:
        content = event.content
        t = event.type
        if t == "m.room.join_rules" and content.get("join_rule") != "invite":
            return forbidden(JOIN_RULE, "a case room's join rule stays invite")
        if t == "m.room.history_visibility" and content.get("history_visibility") == "world_readable":
            return forbidden(HISTORY_VISIBILITY, "a case room's history is never world-readable")
        if t == "m.room.guest_access" and content.get("guest_access") == "can_join":
            return forbidden(GUEST_ACCESS, "guests may not join a case room")
        if t == "m.room.canonical_alias" and (content.get("alias") or content.get("alt_aliases")):
            return forbidden(ALIAS, "a case room has no alias: an address could reveal the case")
        if not t.startswith(NAMESPACE):
            return None
        if t not in STATE_TYPES:
            return forbidden(
                UNENCRYPTED,
                f"{t} is not plaintext case state: in a case room only "
                + ", ".join(STATE_TYPES)
                + " are sent in plaintext; records travel end-to-end encrypted",
            )
        if event.state_key != "":
            return bad_json(f"{t}: the state key must be empty")
        refusal = self._check_role(event, room, directory)
        if refusal:
            return refusal
        problem = self.schemas.problem(t, _plain(content))
        if problem:
            return bad_json(f"{t}: {problem}")
        if t == CASE:
            return self._check_case_invariants(content, room.content(CASE))
        return None

    def _check_role(self, event: Event, room: Room, directory: Directory) -> Rejection | None:
        """src/lib/case/permissions.ts, for the plaintext state the server can see."""
        sender = event.sender
        if sender == self.service:
            return None
        if event.type == REGIE:
            return forbidden(ROLE, f"{REGIE} changes only through the service (a regie handover in the app)")
        holder, deputy = room.regie()
        if sender in (holder, deputy):
            return None
        entry = directory.get(sender)
        if entry is not None and entry.has_role("chair"):
            return None
        return forbidden(
            ROLE,
            f"only the regiehouder, the deputy or an MDT chair may change {event.type}",
        )

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


def _plain(value: Any) -> Any:
    """Synapse hands out frozen mappings; JSON Schema wants dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
