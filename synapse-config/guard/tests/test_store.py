"""The rejection log's SQL, on SQLite (PostgreSQL runs it in the integration suite)."""

import sqlite3

from casusruimte_guard import store


def cursor():
    return sqlite3.connect(":memory:").cursor()


def test_table_is_created_idempotently_and_pages_by_id():
    txn = cursor()
    store.create_table(txn)
    store.create_table(txn)
    for i in range(5):
        store.insert(txn, 1000 + i, "@a:localhost", "!r1" if i % 2 == 0 else "!r2", "schema", "nl.casusruimte.case", f"message {i}")
    store.insert(txn, 2000, "@b:localhost", None, "alias", None, "no aliases")

    rows, next_from = store.page(txn, 0, 2, None)
    assert [r["id"] for r in rows] == [1, 2] and next_from == 3
    assert rows[0] == {"id": 1, "ts": 1000, "user_id": "@a:localhost", "room_id": "!r1", "rule": "schema", "event_type": "nl.casusruimte.case", "message": "message 0"}
    rows, next_from = store.page(txn, next_from, 10, None)
    assert [r["id"] for r in rows] == [3, 4, 5, 6] and next_from is None
    assert rows[-1]["room_id"] is None and rows[-1]["event_type"] is None

    rows, next_from = store.page(txn, 0, 2, "!r1")
    assert [r["id"] for r in rows] == [1, 3] and next_from == 5
    rows, next_from = store.page(txn, 5, 2, "!r1")
    assert [r["id"] for r in rows] == [5] and next_from is None


def test_old_entries_are_purged():
    txn = cursor()
    store.create_table(txn)
    store.insert(txn, 1, "@a:localhost", None, "alias", None, "old")
    store.insert(txn, 5, "@a:localhost", None, "alias", None, "new")
    store.purge_before(txn, 3)
    rows, _ = store.page(txn, 0, 10, None)
    assert [r["message"] for r in rows] == ["new"]


def test_ids_are_not_reused_after_a_purge():
    txn = cursor()
    store.create_table(txn)
    store.insert(txn, 1, "@a:localhost", None, "alias", None, "x")
    store.purge_before(txn, 10)
    store.insert(txn, 11, "@a:localhost", None, "alias", None, "y")
    rows, _ = store.page(txn, 0, 10, None)
    assert rows[0]["id"] == 2
