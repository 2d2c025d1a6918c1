"""The directory cache: short-lived, dropped when an entry is written, and fresh on demand."""

import asyncio

import pytest

from casusruimte_guard.directory import DirectoryCache, DirectoryUnavailable, user_state_key
from casusruimte_guard.rules import DirectoryEntry

USER = "@csg.mulder:localhost"
ENTRY = {"v": 1, "org": "CSG", "roles": ["professional"], "display_name": "M", "active": True, "updated_at": 1}


class FakeDirectory:
    def __init__(self):
        self.now = 100.0
        self.room = "!dir:localhost"
        self.state = {}
        self.reads = 0
        self.organisations = {"v": 1, "organisations": [{"code": "CSG", "name": "CSG"}, {"code": "VT", "name": "VT"}]}

    async def resolve(self, alias):
        assert alias == "#casusruimte-directory:localhost"
        return self.room

    async def fetch(self, room_id, event_type, state_key):
        assert room_id == self.room
        self.reads += 1
        if event_type == "nl.casusruimte.directory.organisations":
            return self.organisations
        assert event_type == "nl.casusruimte.directory.user"
        return self.state.get(state_key)

    def cache(self, ttl=10.0):
        return DirectoryCache("#casusruimte-directory:localhost", self.resolve, self.fetch, ttl=ttl, clock=lambda: self.now)


def run(coro):
    return asyncio.run(coro)


def test_entries_are_cached_for_the_ttl():
    d = FakeDirectory()
    d.state[user_state_key(USER)] = ENTRY
    cache = d.cache()
    assert run(cache.entry(USER)) == DirectoryEntry("CSG", ("professional",), True, "M")
    d.state[user_state_key(USER)] = {**ENTRY, "org": "VT"}
    assert run(cache.entry(USER)).org == "CSG" and d.reads == 1
    d.now += 11
    assert run(cache.entry(USER)).org == "VT" and d.reads == 2


def test_fresh_reads_bypass_the_cache():
    d = FakeDirectory()
    cache = d.cache()
    assert run(cache.entry(USER)) is None
    d.state[user_state_key(USER)] = ENTRY
    assert run(cache.entry(USER)) is None
    assert run(cache.entry(USER, fresh=True)).org == "CSG"


def test_a_write_drops_the_entry_and_keeps_it_uncached_for_a_moment():
    d = FakeDirectory()
    d.state[user_state_key(USER)] = ENTRY
    cache = d.cache()
    run(cache.entry(USER))
    cache.saw_write(user_state_key(USER))
    run(cache.entry(USER))
    run(cache.entry(USER))
    assert d.reads == 3  # not cached while the write may still be in flight
    d.now += 6
    run(cache.entry(USER))
    run(cache.entry(USER))
    assert d.reads == 4
    cache.saw_write("not-a-user-key")  # ignored


def test_a_missing_directory_room_is_reported():
    d = FakeDirectory()
    d.room = None
    with pytest.raises(DirectoryUnavailable):
        run(d.cache().entry(USER))


def test_organisations_are_cached_and_dropped_on_a_write():
    d = FakeDirectory()
    cache = d.cache()
    assert run(cache.organisations()) == frozenset({"CSG", "VT"})
    d.organisations = {"v": 1, "organisations": [{"code": "CSG", "name": "CSG"}, {"code": "GGD", "name": "GGD"}]}
    assert run(cache.organisations()) == frozenset({"CSG", "VT"}) and d.reads == 1
    assert run(cache.organisations(fresh=True)) == frozenset({"CSG", "GGD"})
    d.organisations = None
    cache.saw_organisations_write()
    assert run(cache.organisations()) == frozenset()
