"""Fill a tasksync database with a million tasks and five million audit rows, fast.

    python -m bench.load_big DATA_DIR/tasksync.sqlite3 PROJECT_ID [--tasks N] [--audit N]

For the scale run (`just bench-scale`): the rows go into an existing project (the one the
benchmark pushes into), so every per-project index the push uses is as big as it gets.
Plain sqlite3 `executemany` in large transactions with `synchronous=OFF` (a crash while
loading only loses the benchmark's scratch data). The schema and its constraints are the
real ones; the audit rows' hashes are not a valid chain (the chain check would report the
first bulk row), which the push does not care about: it only reads the newest hash.

`explain_push_queries` records every statement of real pushes (create, update, a parent
found, a parent still missing, waiting children adopted) and returns SQLite's query plan
for each, flagging any full scan.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from server.sync import task_id_for

STATUSES = ("BACKLOG", "NOT_STARTED", "IN_PROGRESS", "REVIEW", "ON_HOLD", "COMPLETE")
CHUNK = 200_000
NOW = "2026-01-01T00:00:00.000000Z"


def load(path: Path, project_id: str, tasks: int, audit: int) -> dict[str, Any]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB while loading
    started = time.monotonic()
    token = conn.execute(
        "SELECT id, token_prefix FROM api_tokens WHERE project_id = ?", (project_id,)
    ).fetchone()
    first = conn.execute(
        "SELECT last_task_number FROM projects WHERE id = ?", (project_id,)
    ).fetchone()[0]
    _in_chunks(conn, _TASK_SQL, _tasks(project_id, first, tasks))
    _in_chunks(conn, _LINK_SQL, _links(project_id, first, tasks))
    conn.execute(
        "UPDATE projects SET last_task_number = ? WHERE id = ?", (first + tasks, project_id)
    )
    loaded_tasks = time.monotonic() - started
    _in_chunks(conn, _AUDIT_SQL, _audit_rows(project_id, token[0], token[1], audit))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {
        "tasks": tasks,
        "audit_rows": audit,
        "seconds_tasks": round(loaded_tasks, 1),
        "seconds_total": round(time.monotonic() - started, 1),
        "file_mb": round(path.stat().st_size / 2**20),
    }


_TASK_SQL = (
    "INSERT INTO tasks (id, project_id, number, name, description, status, story_points,"
    " assignee_id, sprint_id, parent_id, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)"
)
_LINK_SQL = (
    "INSERT INTO task_links (task_id, project_id, source, external_id, external_url,"
    " pending_assignee_email, parent_external_id, updated_at, last_synced_at)"
    " VALUES (?, ?, 'jira', ?, ?, ?, ?, NULL, ?)"
)
_AUDIT_SQL = (
    "INSERT INTO audit_entries (project_id, action, token_id, token_prefix, actor_id,"
    " actor_email, source_ip, detail, created_at, prev_hash, hash)"
    " VALUES (?, 'used', ?, ?, NULL, NULL, '127.0.0.1', ?, ?, ?, ?)"
)


def _key(n: int) -> str:
    return f"LOAD-{n}"


def _parent_key(n: int) -> str | None:
    # Like the workload: one task in ten is an epic its next nine belong to.
    return _key(n - n % 10) if n % 10 else None


def _tasks(project_id: str, first: int, count: int) -> Iterator[tuple[Any, ...]]:
    for n in range(count):
        parent = _parent_key(n)
        yield (
            task_id_for(project_id, "jira", _key(n)),
            project_id,
            first + n + 1,
            f"Loaded task {n}",
            "Bulk-loaded to measure the push against a big database.",
            STATUSES[n % len(STATUSES)],
            n % 13,
            task_id_for(project_id, "jira", parent) if parent else None,
            NOW,
            NOW,
        )


def _links(project_id: str, first: int, count: int) -> Iterator[tuple[Any, ...]]:
    for n in range(count):
        yield (
            task_id_for(project_id, "jira", _key(n)),
            project_id,
            _key(n),
            f"https://example.atlassian.net/browse/{_key(n)}",
            f"parked{n % 1000}@elsewhere.example" if n % 7 == 0 else None,
            _parent_key(n),
            NOW,
        )


def _audit_rows(
    project_id: str, token_id: str, prefix: str, count: int
) -> Iterator[tuple[Any, ...]]:
    for n in range(count):
        # The canonical form (sorted keys, no spaces), written out: json.dumps would double
        # the loader's time.
        detail = f'{{"created":false,"external_id":"LOAD-{n % 1_000_000}","source":"jira"}}'
        yield (project_id, token_id, prefix, detail, NOW, f"{n:064x}", f"{n + 1:064x}")


def _in_chunks(conn: sqlite3.Connection, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
    while True:
        chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            return
        conn.execute("BEGIN")
        conn.executemany(sql, chunk)
        conn.execute("COMMIT")


def explain_push_queries(path: Path) -> list[dict[str, Any]]:
    """Every distinct statement of a few real pushes, with its plan; nothing is kept."""
    from server.push import DECODER, check_payload
    from server.storage import push as push_store
    from server.sync import PushContext, apply_push
    from server.sync_auth import from_row

    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    project_id, token_row = _bench_project(conn, push_store)
    context = PushContext(project_id, from_row(token_row), "127.0.0.1", NOW)
    statements: list[str] = []
    conn.execute("BEGIN")
    conn.set_trace_callback(statements.append)
    for body in _explain_pushes():
        apply_push(conn, context, check_payload(DECODER.decode(json.dumps(body))))
    conn.set_trace_callback(None)
    conn.execute("ROLLBACK")
    plans = [_plan(conn, sql) for sql in _distinct(statements)]
    conn.close()
    return plans


def _bench_project(conn: sqlite3.Connection, push_store: Any) -> tuple[str, sqlite3.Row]:
    row = conn.execute(
        "SELECT project_id, token_hash FROM api_tokens ORDER BY created_at DESC LIMIT 1"
    ).fetchone()
    token_row = push_store.token_by_hash(conn, row["token_hash"])
    return str(row["project_id"]), token_row


def _explain_pushes() -> list[dict[str, Any]]:
    member = "member0@bench.example"
    return [
        # create, parent found, member assignee, mapped status
        {"source": "jira", "external_id": "EXPLAIN-1", "parent_external_id": "LOAD-10",
         "assignee_email": member, "status": "In Progress"},
        # create, parent not there yet, parked email, unmapped status
        {"source": "jira", "external_id": "EXPLAIN-3", "parent_external_id": "EXPLAIN-2",
         "assignee_email": "nobody@elsewhere.example", "status": "Waiting on QA"},
        # the missing parent arrives: its waiting child is adopted
        {"source": "jira", "external_id": "EXPLAIN-2"},
        # update of a loaded task: rename, move to another parent (cycle check), stale check
        {"source": "jira", "external_id": "LOAD-15", "name": "renamed",
         "parent_external_id": "LOAD-20", "status": "Done",
         "updated_at": "2026-02-01T00:00:00Z", "assignee_email": member},
    ]  # fmt: skip


def _distinct(statements: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for sql in statements:
        head = sql.split()[0].upper()
        if head in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
            continue
        # Expanded SQL carries the values; the shape is what has a plan.
        shape = " ".join(sql.split())
        seen.setdefault(_without_values(shape), shape)
    return list(seen.values())


def _without_values(sql: str) -> str:
    import re

    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


_HARMLESS_SCANS = {"SCAN CONSTANT ROW", "SCAN up"}


def _plan(conn: sqlite3.Connection, sql: str) -> dict[str, Any]:
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    details = [str(row["detail"]) for row in rows]
    # `SCAN up` walks the recursive CTE's own rows (a task's ancestors), not a table.
    scans = [d for d in details if d.startswith("SCAN") and d not in _HARMLESS_SCANS]
    return {"sql": sql[:300], "plan": details, "full_scans": scans}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("project_id")
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=5_000_000)
    args = parser.parse_args()
    print(json.dumps(load(args.database, args.project_id, args.tasks, args.audit), indent=2))
    print(json.dumps(explain_push_queries(args.database), indent=2))


if __name__ == "__main__":
    main()
