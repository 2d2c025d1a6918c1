"""The organisations-and-roles directory, read server-side from the directory
room's state (src/lib/directory/schema.ts describes it).

Only the entries of the people a decision is about are read (one filtered state
lookup each) and cached briefly. The cache is dropped for a user as soon as the
guard sees the service account write their entry, entries read around such a
write are not cached, and a refusal that rests on the directory is re-checked
against fresh state first, so a user added a moment ago is never refused on
stale data. The worst case left is a role that was just taken away still
counting for at most `ttl` seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from .rules import DIRECTORY_USER_EVENT, MDT_EVENT, DirectoryEntry, Mdt

ORGANISATIONS_EVENT = "nl.casusruimte.directory.organisations"

logger = logging.getLogger(__name__)

# (room_id, event_type, state_key) -> content of that state event, or None.
FetchState = Callable[[str, str, str], Awaitable[Any]]
# alias -> room_id, or None when the alias does not exist.
ResolveAlias = Callable[[str], Awaitable[str | None]]


def user_state_key(user_id: str) -> str:
    return f"user:{user_id}"


def user_from_state_key(state_key: str) -> str | None:
    return state_key[len("user:") :] if state_key.startswith("user:@") else None


class DirectoryUnavailable(Exception):
    pass


class DirectoryCache:
    def __init__(
        self,
        alias: str,
        resolve_alias: ResolveAlias,
        fetch_state: FetchState,
        ttl: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.alias = alias
        self._resolve_alias = resolve_alias
        self._fetch_state = fetch_state
        self.ttl = ttl
        self._clock = clock
        self._room_id: str | None = None
        self._entries: dict[str, tuple[float, DirectoryEntry | None]] = {}
        # user -> until when their entry is in flux (a write was just seen).
        self._volatile: dict[str, float] = {}
        self._organisations: tuple[float, frozenset[str]] | None = None
        # region -> (read at, the region's MDT or None); region -> until when it is in flux.
        self._mdts: dict[str, tuple[float, Mdt | None]] = {}
        self._mdt_volatile: dict[str, float] = {}

    async def room_id(self) -> str:
        # The directory room never moves; resolve it once it exists.
        if self._room_id is None:
            self._room_id = await self._resolve_alias(self.alias)
            if self._room_id is None:
                raise DirectoryUnavailable(f"the directory room {self.alias} does not exist (yet)")
        return self._room_id

    def is_directory_room(self, room_id: str) -> bool:
        return self._room_id is not None and room_id == self._room_id

    async def entries(self, user_ids: Iterable[str], fresh: bool = False) -> dict[str, DirectoryEntry | None]:
        return {user_id: await self.entry(user_id, fresh) for user_id in user_ids}

    async def entry(self, user_id: str, fresh: bool = False) -> DirectoryEntry | None:
        now = self._clock()
        cached = self._entries.get(user_id)
        if cached and not fresh and now - cached[0] < self.ttl:
            return cached[1]
        room_id = await self.room_id()
        entry = DirectoryEntry.parse(await self._fetch_state(room_id, DIRECTORY_USER_EVENT, user_state_key(user_id)))
        if self._volatile.get(user_id, 0) > now:
            self._entries.pop(user_id, None)
        else:
            self._volatile.pop(user_id, None)
            if len(self._entries) >= 50_000:
                self._entries.clear()  # a crude bound; entries are cheap to read again
            self._entries[user_id] = (now, entry)
        return entry

    async def organisations(self, fresh: bool = False) -> frozenset[str]:
        """The organisation codes the directory knows (nl.casusruimte.directory.organisations)."""
        now = self._clock()
        if self._organisations and not fresh and now - self._organisations[0] < self.ttl:
            return self._organisations[1]
        content = await self._fetch_state(await self.room_id(), ORGANISATIONS_EVENT, "")
        orgs = content.get("organisations") if isinstance(content, dict) or hasattr(content, "get") else None
        codes = frozenset(
            o.get("code") for o in (orgs or []) if hasattr(o, "get") and isinstance(o.get("code"), str)
        )
        self._organisations = (now, codes)
        return codes

    async def mdt(self, region: str, fresh: bool = False) -> Mdt | None:
        """The region's MDT (nl.casusruimte.directory.mdt, state key = region), or None when it has none."""
        now = self._clock()
        cached = self._mdts.get(region)
        if cached and not fresh and now - cached[0] < self.ttl:
            return cached[1]
        mdt = Mdt.parse(region, await self._fetch_state(await self.room_id(), MDT_EVENT, region))
        if self._mdt_volatile.get(region, 0) > now:
            self._mdts.pop(region, None)
        else:
            self._mdt_volatile.pop(region, None)
            self._mdts[region] = (now, mdt)
        return mdt

    def saw_mdt_write(self, region: str) -> None:
        """The service account is writing a region's MDT: forget the cached one."""
        self._mdts.pop(region, None)
        self._mdt_volatile[region] = self._clock() + 5.0

    def saw_organisations_write(self) -> None:
        self._organisations = None

    def saw_write(self, state_key: str) -> None:
        """The service account is writing a directory entry: forget the cached one."""
        user_id = user_from_state_key(state_key)
        if user_id is None:
            return
        self._entries.pop(user_id, None)
        # The write is checked before it is stored; reads in the next seconds may still see the old entry.
        self._volatile[user_id] = self._clock() + 5.0
