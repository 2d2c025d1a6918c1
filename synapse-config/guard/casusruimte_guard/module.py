"""CasusGuard: the Synapse module that enforces the case-room rules on the
server, whatever client (or curl with a stolen token) sends the request.

Which Synapse callback, and why (Synapse 1.163):
- Events (state, timeline, membership): the third-party-rules callback
  `check_event_allowed`. It runs for every event the homeserver creates,
  also for server admins (the service account) and for the initial state of
  createRoom, and it receives the room's state before the event. A
  SynapseError raised there reaches the client unchanged, so a schema
  violation becomes 400 M_BAD_JSON and every other refusal 403 M_FORBIDDEN,
  each with a message that says what is wrong. (The spam checker's
  `check_event_for_spam` only yields 403 and skips createRoom's initial state;
  `user_may_invite`, `user_may_join_room` and `user_may_send_state_event` are
  skipped for server admins.) Raising SynapseError from this callback is
  how Synapse modules choose status and message (third_party_event_rules_callbacks.py
  passes it through on purpose); should a later Synapse stop doing so, the
  request would fail with a generic error instead: still refused, and the
  integration tests (tests/integration/guard.test.ts) would say so.
- Aliases and the room directory create no event: the spam-checker callbacks
  `user_may_create_room_alias` and `user_may_publish_room`. They return
  (Codes.FORBIDDEN, {"error": message}); Synapse puts those fields into the
  403 response, so the client still reads the guard's message.

Every refusal is written to the guard's own table (store.py) and served to the
service account at GET /_casusruimte/guard/v1/rejections (resource.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from synapse.module_api import NOT_SPAM, EventBase, ModuleApi, RoomAlias, StateMap
from synapse.module_api.errors import Codes, ConfigError, SynapseError

from . import store
from .directory import ORGANISATIONS_EVENT, DirectoryCache, DirectoryUnavailable
from .resource import PATH, RejectionsResource
from .rules import (
    ALIAS,
    BOARD_ROOM_TYPE,
    CASE_ROOM_TYPE,
    COMPARTMENT,
    COMPARTMENT_OF,
    COMPARTMENT_POINTER,
    COMPARTMENT_ROOM_TYPE,
    CaseLink,
    DIRECTORY_USER_EVENT,
    INVITE_NOT_COVERED,
    INVITE_ROLE,
    MDT_EVENT,
    MDT_MEMBER,
    MEDIA,
    NOT_COORDINATOR,
    PROFILE,
    PUBLISH,
    REGIE_ORGANISATION,
    ROLE,
    ROOM_CREATION,
    UNKNOWN_ORGANISATION,
    Context,
    DirectoryEntry,
    Event,
    Rejection,
    Room,
    Rules,
    forbidden,
)
from .schemas import ACCESS, CASE, Schemas, SchemaFilesMissing

logger = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000
# Refusals that rest on the directory: re-checked on fresh directory state before they stand.
DIRECTORY_RULES = (
    INVITE_NOT_COVERED,
    INVITE_ROLE,
    ROLE,
    NOT_COORDINATOR,
    PROFILE,
    UNKNOWN_ORGANISATION,
    MDT_MEMBER,
    REGIE_ORGANISATION,
    COMPARTMENT,
)
# A media upload larger than this is judged on its first bytes only.
MEDIA_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class GuardConfig:
    service_user_id: str
    schemas: Schemas
    directory_alias_localpart: str = "casusruimte-directory"
    # Alias localparts that may be created at all. Synapse does not tell the
    # alias callback which room an alias is for, so aliases are allowed by name:
    # only the directory room has one, and case rooms never get one.
    allowed_alias_localparts: tuple[str, ...] = ("casusruimte-directory",)
    directory_cache_seconds: float = 10.0
    # How long the rejection log keeps an entry (it names professionals).
    rejection_retention_days: int = 365


class CasusGuard:
    def __init__(self, config: GuardConfig, api: ModuleApi):
        self._config = config
        self._api = api
        self._rules = Rules(config.service_user_id, config.schemas)
        self._directory = DirectoryCache(
            f"#{config.directory_alias_localpart}:{api.server_name}",
            self._resolve_alias,
            self._fetch_state,
            ttl=config.directory_cache_seconds,
        )
        self._table_ready = False

        api.register_third_party_rules_callbacks(
            check_event_allowed=self.check_event_allowed, on_new_event=self.on_new_event
        )
        api.register_spam_checker_callbacks(
            user_may_create_room=self.user_may_create_room,
            user_may_create_room_alias=self.user_may_create_room_alias,
            user_may_publish_room=self.user_may_publish_room,
            check_media_file_for_spam=self.check_media_file_for_spam,
        )
        api.register_web_resource(PATH, RejectionsResource(api, self._read_page))
        api.run_as_background_process("casusruimte_guard_create_table", self._ensure_table)
        api.looping_background_call(self._purge, DAY_MS, desc="casusruimte_guard_purge_rejections")

    @staticmethod
    def parse_config(config: Mapping[str, Any]) -> GuardConfig:
        config = config or {}
        for key in ("service_user_id", "schemas_dir"):
            if not isinstance(config.get(key), str) or not config[key]:
                raise ConfigError(f"casusruimte guard: `{key}` is required")
        try:
            schemas = Schemas.load(config["schemas_dir"])
        except SchemaFilesMissing as err:
            raise ConfigError(str(err)) from err
        directory = str(config.get("directory_alias_localpart") or "casusruimte-directory")
        aliases = config.get("allowed_alias_localparts", [directory])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError("casusruimte guard: `allowed_alias_localparts` must be a list of alias localparts")
        return GuardConfig(
            service_user_id=config["service_user_id"],
            schemas=schemas,
            directory_alias_localpart=directory,
            allowed_alias_localparts=tuple(aliases),
            directory_cache_seconds=float(config.get("directory_cache_seconds", 10)),
            rejection_retention_days=int(config.get("rejection_retention_days", 365)),
        )

    # --- events ---------------------------------------------------------------

    async def check_event_allowed(self, event: EventBase, state_events: StateMap[EventBase]) -> tuple[bool, None]:
        ev = Event(
            type=event.type,
            sender=event.sender,
            content=event.content,
            state_key=event.get_state_key() if event.is_state() else None,
        )
        if ev.type == "m.room.member" and ev.sender == ev.state_key and dict(ev.content) == {"membership": "leave"}:
            return True, None  # leaving always works, even if something below were broken
        if ev.type == DIRECTORY_USER_EVENT and ev.sender == self._config.service_user_id and ev.state_key:
            self._directory.saw_write(ev.state_key)
        if ev.type == ORGANISATIONS_EVENT and ev.sender == self._config.service_user_id:
            self._directory.saw_organisations_write()
        if ev.type == MDT_EVENT and ev.sender == self._config.service_user_id and ev.state_key:
            self._directory.saw_mdt_write(ev.state_key)

        create = state_events.get(("m.room.create", ""))
        joined_on: dict[str, str | None] = {}
        if (
            ev.type == "m.room.encrypted"
            and create is not None
            and create.content.get("type") == BOARD_ROOM_TYPE
            and ev.sender != self._config.service_user_id
        ):
            joined_on[ev.sender] = await self._joined_on(state_events, ev.sender)
        room = Room(
            state=_Contents(state_events),
            creator=create.sender if create else None,
            member_since=_MemberSince(state_events),
            joined_on=joined_on,
        )
        try:
            rejection = await self._decide(ev, room)
        except SynapseError:
            raise
        except Exception:
            # Fail closed, but say so; the log names the event type and room, never content.
            logger.exception("casusruimte guard: could not check a %s event in %s", ev.type, event.room_id)
            raise SynapseError(
                503,
                "casusruimte: the guard could not check this request, so nothing was stored. Try again in a moment.",
                Codes.UNKNOWN,
            )
        if rejection is None:
            return True, None
        await self._record(ev.sender, event.room_id, rejection, ev.type)
        raise SynapseError(rejection.status, rejection.text, rejection.errcode)

    async def _decide(self, ev: Event, room: Room) -> Rejection | None:
        rejection = self._rules.check(ev, room, await self._context(ev, room))
        if rejection is not None and rejection.rule in DIRECTORY_RULES:
            # Refuse only on fresh directory state: the entry may have been written a moment ago.
            rejection = self._rules.check(ev, room, await self._context(ev, room, fresh=True))
        return rejection

    async def _context(self, ev: Event, room: Room, fresh: bool = False) -> Context:
        organisations = None
        if self._rules.needs_organisations(ev, room):
            try:
                organisations = await self._directory.organisations(fresh)
            except DirectoryUnavailable as err:
                logger.warning("casusruimte guard: %s", err)
        mdt = None
        region = self._rules.mdt_region(ev, room)
        if region:
            try:
                mdt = await self._directory.mdt(region, fresh)
            except DirectoryUnavailable as err:
                logger.warning("casusruimte guard: %s", err)
        case = None
        link = self._rules.compartment_case(ev, room)
        if link is not None:
            case = await self._case_link(*link)
        return Context(
            directory=await self._entries(self._rules.users_to_look_up(ev, room), fresh),
            organisations=organisations,
            now_ms=self._api.get_current_time_msec(),
            mdt=mdt,
            case=case,
        )

    async def _case_link(self, case_room_id: str, users: tuple[str, ...] | list[str]) -> CaseLink | None:
        """A compartment's case room now: its access basis, phase and these users' membership there."""
        try:
            keys = [(ACCESS, ""), (CASE, "")] + [("m.room.member", u) for u in users]
            state = await self._api.get_room_state(case_room_id, keys)
        except Exception:
            logger.warning("casusruimte guard: could not read the case of a compartment", exc_info=True)
            return None
        access, case = state.get((ACCESS, "")), state.get((CASE, ""))
        memberships: dict[str, str | None] = {}
        for u in users:
            member = state.get(("m.room.member", u))
            value = member.content.get("membership") if member is not None else None
            memberships[u] = value if isinstance(value, str) else None
        return CaseLink.parse(access.content if access else None, case.content if case else None, memberships)

    # --- compartments follow their case (issue 13) ---------------------------------

    async def on_new_event(self, event: EventBase, state_events: StateMap[EventBase]) -> None:
        """When a case's access basis changes, or someone leaves or is removed from the case, the
        service removes at once whoever may no longer be in one of its compartments (consent for
        the compartment's purpose withdrawn, the organisation's basis gone, no longer in the case).
        Their posts are refused from that moment anyway (check_event_allowed reads the case now)."""
        if event.type == "m.room.member":
            if event.content.get("membership") not in ("leave", "ban"):
                return
        elif event.type != ACCESS:
            return
        create = state_events.get(("m.room.create", ""))
        if create is None or create.content.get("type") != CASE_ROOM_TYPE:
            return
        for (event_type, _), pointer in list(state_events.items()):
            if event_type != COMPARTMENT_POINTER:
                continue
            room_id = pointer.content.get("room_id")
            if isinstance(room_id, str):
                try:
                    await self._enforce_compartment(event.room_id, room_id)
                except Exception:
                    logger.exception("casusruimte guard: could not bring a compartment in line with its case")

    async def _enforce_compartment(self, case_room_id: str, room_id: str) -> None:
        state = await self._api.get_room_state(room_id)
        create = state.get(("m.room.create", ""))
        of = state.get((COMPARTMENT_OF, ""))
        if create is None or create.content.get("type") != COMPARTMENT_ROOM_TYPE or of is None:
            return
        if of.content.get("case_room_id") != case_room_id:
            return
        purpose = of.content.get("purpose")
        members = [
            key
            for (event_type, key), ev in state.items()
            if event_type == "m.room.member"
            and key != self._config.service_user_id
            and ev.content.get("membership") in ("join", "invite")
        ]
        if not members:
            return
        link = await self._case_link(case_room_id, members)
        if link is None:
            return
        directory = await self._entries(set(members), fresh=True)
        for user_id in members:
            refusal = self._rules.compartment_member_refusal(
                user_id, purpose if isinstance(purpose, str) else None, link, directory, "stay in"
            )
            if refusal is None:
                continue
            not_in_case = link.memberships.get(user_id) not in ("join", "invite")
            entry = directory.get(user_id)
            reason = (
                "no-longer-involved"
                if not_in_case
                else "role-ended"
                if entry is None or not entry.active
                else "consent-withdrawn"
            )
            logger.info("casusruimte guard: removing %s from a compartment of %s (%s)", user_id, case_room_id, reason)
            try:
                await self._api.update_room_membership(
                    self._config.service_user_id, user_id, room_id, "leave", {"reason": reason}
                )
            except Exception:
                logger.exception("casusruimte guard: could not remove a member from a compartment")

    async def _entries(self, user_ids: set[str], fresh: bool = False) -> dict[str, DirectoryEntry | None]:
        if not user_ids:
            return {}
        try:
            return await self._directory.entries(user_ids, fresh)
        except DirectoryUnavailable as err:
            logger.warning("casusruimte guard: %s", err)
            return {user_id: None for user_id in user_ids}

    async def _joined_on(self, state_events: StateMap[EventBase], user_id: str) -> str | None:
        """The reason of the invitation that the user's current join answered (an aanmelding guest's
        is `aanmelding`), read from the event the join replaced; None when unknown."""
        event = state_events.get(("m.room.member", user_id))
        if event is None or event.content.get("membership") != "join":
            return None
        try:
            unsigned = getattr(event, "unsigned", None) or {}
            prev = unsigned.get("prev_content")
            if prev is None and unsigned.get("replaces_state"):
                # Synapse records the replaced state event's ID on every state event it creates.
                replaced = await self._api._store.get_event(unsigned["replaces_state"], allow_none=True)
                prev = replaced.content if replaced is not None else None
        except Exception:
            logger.warning("casusruimte guard: could not read the invitation before a join", exc_info=True)
            return None
        if not prev or prev.get("membership") != "invite":
            return None
        reason = prev.get("reason")
        return reason if isinstance(reason, str) else None

    # --- rooms, aliases and the room directory -------------------------------------

    async def user_may_create_room(self, user_id: str, room_config: Any = None) -> Any:
        """Only the service creates rooms: case rooms and the directory. Nobody else makes a
        room (plaintext names and topics, rooms outside the product's rules)."""
        if user_id == self._config.service_user_id:
            return NOT_SPAM
        rejection = forbidden(ROOM_CREATION, "rooms are created by the casusruimte service only; open a case through the app")
        await self._record(user_id, None, rejection, "m.room.create")
        return Codes.FORBIDDEN, {"error": rejection.text}

    async def check_media_file_for_spam(self, file_wrapper: Any, file_info: Any) -> Any:
        """The product uploads only encrypted blobs (MSC4268 room-key bundles). Encrypted bytes look
        random; a file that is mostly printable text is plaintext and refused."""
        if getattr(file_info, "server_name", None) or getattr(file_info, "thumbnail", None):
            return NOT_SPAM
        try:
            sample = await _read_sample(file_wrapper)
        except Exception:
            logger.exception("casusruimte guard: could not read an uploaded file")
            return NOT_SPAM
        if not looks_like_plaintext(sample):
            return NOT_SPAM
        rejection = forbidden(MEDIA, "uploads here are end-to-end encrypted; a plaintext file is refused")
        # Synapse does not say who uploaded, so this refusal is logged but not in the rejection log.
        logger.info("casusruimte guard refused a media upload: %s", rejection.rule)
        return Codes.FORBIDDEN, {"error": rejection.text}


    async def user_may_create_room_alias(self, user_id: str, room_alias: RoomAlias) -> Any:
        if room_alias.domain == self._api.server_name and room_alias.localpart in self._config.allowed_alias_localparts:
            return NOT_SPAM
        rejection = forbidden(
            ALIAS,
            "room aliases are not used here: only the directory room has one, and a case room never gets one",
        )
        await self._record(user_id, None, rejection, None)
        return Codes.FORBIDDEN, {"error": rejection.text}

    async def user_may_publish_room(self, user_id: str, room_id: str) -> Any:
        state = await self._api.get_room_state(room_id, [("m.room.create", "")])
        create = state.get(("m.room.create", ""))
        if create is None or create.content.get("type") not in (CASE_ROOM_TYPE, BOARD_ROOM_TYPE):
            return NOT_SPAM  # other rooms: the room_list_publication_rules decide
        # Synapse asks the same question for publishing and unpublishing. A case
        # room that is (somehow) listed may always be taken off the list.
        if await self._api.public_room_list_manager.room_is_in_public_room_list(room_id):
            return NOT_SPAM
        what = "a case room" if create.content.get("type") == CASE_ROOM_TYPE else "an MDT board"
        rejection = forbidden(PUBLISH, f"{what} is never published in the room directory")
        await self._record(user_id, room_id, rejection, None)
        return Codes.FORBIDDEN, {"error": rejection.text}

    # --- the directory ---------------------------------------------------------

    async def _resolve_alias(self, alias: str) -> str | None:
        try:
            room_id, _ = await self._api.lookup_room_alias(alias)
        except SynapseError as err:
            if err.code == 404:
                return None
            raise
        return room_id

    async def _fetch_state(self, room_id: str, event_type: str, state_key: str) -> Any:
        state = await self._api.get_room_state(room_id, [(event_type, state_key)])
        event = state.get((event_type, state_key))
        return event.content if event is not None else None

    # --- the rejection log -------------------------------------------------------

    async def _ensure_table(self) -> None:
        if self._table_ready:
            return
        for attempt in range(3):
            try:
                await self._api.run_db_interaction("casusruimte_guard_create_table", store.create_table)
                self._table_ready = True
                return
            except Exception:
                # Two workers creating the table at once can collide under PostgreSQL; the next try sees it.
                if attempt == 2:
                    raise
                await self._api.sleep(0.2 * (attempt + 1))

    async def _record(self, user_id: str, room_id: str | None, rejection: Rejection, event_type: str | None) -> None:
        logger.info("casusruimte guard refused %s by %s in %s: %s", event_type or "a request", user_id, room_id, rejection.rule)
        try:
            await self._ensure_table()
            await self._api.run_db_interaction(
                "casusruimte_guard_record_rejection",
                store.insert,
                self._api.get_current_time_msec(),
                user_id,
                room_id,
                rejection.rule,
                event_type,
                rejection.message,
            )
        except Exception:
            # The refusal stands even if it cannot be logged.
            logger.exception("casusruimte guard: could not record a rejection")

    async def _read_page(self, from_id: int, limit: int, room_id: str | None) -> tuple[list[dict[str, Any]], int | None]:
        await self._ensure_table()
        return await self._api.run_db_interaction("casusruimte_guard_read_rejections", store.page, from_id, limit, room_id)

    async def _purge(self) -> None:
        await self._ensure_table()
        cutoff = self._api.get_current_time_msec() - self._config.rejection_retention_days * DAY_MS
        await self._api.run_db_interaction("casusruimte_guard_purge_rejections", store.purge_before, cutoff)


async def _read_sample(file_wrapper: Any) -> bytes:
    """The first bytes of an uploaded file (Synapse's ReadableFileWrapper writes chunks to a consumer)."""
    chunks: list[bytes] = []
    size = 0

    class _Collect:
        def write(self, data: bytes) -> None:
            nonlocal size
            if size < MEDIA_SAMPLE_BYTES:
                chunks.append(data)
                size += len(data)

    await file_wrapper.write_chunks_to(_Collect().write)
    return b"".join(chunks)[:MEDIA_SAMPLE_BYTES]


def looks_like_plaintext(sample: bytes) -> bool:
    """Text (UTF-8 that is mostly printable) rather than the random-looking bytes of ciphertext."""
    if not sample:
        return False
    printable = sum(1 for b in sample if 32 <= b < 127 or b in (9, 10, 13))
    if printable / len(sample) >= 0.9:
        return True
    try:
        text = sample.decode("utf8")
    except UnicodeDecodeError:
        return False
    return sum(1 for c in text if c.isprintable() or c in "\t\n\r") / max(len(text), 1) >= 0.9


class _Contents(Mapping):  # type: ignore[type-arg]
    """The room state as (type, state_key) -> content, without copying it."""

    def __init__(self, state_events: StateMap[EventBase]):
        self._events = state_events

    def __getitem__(self, key: tuple[str, str]) -> Mapping[str, Any]:
        return self._events[key].content

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)


class _MemberSince(Mapping):  # type: ignore[type-arg]
    """user ID -> origin_server_ts of their current m.room.member event, without copying the state."""

    def __init__(self, state_events: StateMap[EventBase]):
        self._events = state_events

    def __getitem__(self, user_id: str) -> int:
        event = self._events.get(("m.room.member", user_id))
        if event is None:
            raise KeyError(user_id)
        return int(event.origin_server_ts)

    def __iter__(self) -> Iterator[str]:
        return (key for kind, key in self._events if kind == "m.room.member")

    def __len__(self) -> int:
        return sum(1 for kind, _ in self._events if kind == "m.room.member")
