"""The rejection log: a table of the guard's own in the homeserver's database,
so the privacy officer's console can show who was refused what, in which room
and by which rule. Never the content of the refused request.

Plain SQL that runs on SQLite and PostgreSQL. Synapse's transactions take `?`
placeholders on both. Ids come from the database (AUTOINCREMENT / BIGSERIAL),
so every worker process can write without coordinating.
"""

from __future__ import annotations

from typing import Any

TABLE = "casusruimte_guard_rejections"
COLUMNS = ("id", "ts", "user_id", "room_id", "rule", "event_type", "message")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


def is_postgres(txn: Any) -> bool:
    engine = getattr(txn, "database_engine", None)
    return engine is not None and "postgres" in type(engine).__name__.lower()


def create_table(txn: Any) -> None:
    id_column = "BIGSERIAL PRIMARY KEY" if is_postgres(txn) else "INTEGER PRIMARY KEY AUTOINCREMENT"
    txn.execute(
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            id {id_column},
            ts BIGINT NOT NULL,
            user_id TEXT NOT NULL,
            room_id TEXT,
            rule TEXT NOT NULL,
            event_type TEXT,
            message TEXT NOT NULL
        )"""
    )
    txn.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_room_id ON {TABLE} (room_id, id)")
    txn.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_ts ON {TABLE} (ts)")


def insert(txn: Any, ts: int, user_id: str, room_id: str | None, rule: str, event_type: str | None, message: str) -> None:
    txn.execute(
        f"INSERT INTO {TABLE} (ts, user_id, room_id, rule, event_type, message) VALUES (?, ?, ?, ?, ?, ?)",
        (ts, user_id, room_id, rule, event_type, message),
    )


def page(txn: Any, from_id: int, limit: int, room_id: str | None) -> tuple[list[dict[str, Any]], int | None]:
    """Entries with id >= from_id, oldest first; next_from is the id of the next
    entry when there is one. (Under PostgreSQL an id can become visible after a
    higher one if two writes overlap; the console pages, it does not tail.)"""
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id >= ?"
    args: list[Any] = [from_id]
    if room_id is not None:
        sql += " AND room_id = ?"
        args.append(room_id)
    sql += " ORDER BY id ASC LIMIT ?"
    args.append(limit + 1)
    txn.execute(sql, args)
    rows = [dict(zip(COLUMNS, row)) for row in txn.fetchall()]
    next_from = rows[limit]["id"] if len(rows) > limit else None
    return rows[:limit], next_from


def purge_before(txn: Any, ts: int) -> None:
    txn.execute(f"DELETE FROM {TABLE} WHERE ts < ?", (ts,))
