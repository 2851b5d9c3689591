from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient

from server.audit import GENESIS, NewEntry, chained_content, entry_hash
from server.config import Settings
from server.storage.audit import append_entry
from server.storage.database import Database, run_in_transaction
from server.storage.memberships import insert_membership
from server.storage.projects import insert_project
from server.storage.users import insert_user

CREATED = "2026-01-01T12:00:00.000000Z"


@dataclass
class Project:
    id: str
    people: dict[str, dict[str, str]]  # role -> Authorization headers

    @property
    def url(self) -> str:
        return f"/api/v1/projects/{self.id}/api-token-audit/"


def write(settings: Settings, fn: Callable[[sqlite3.Connection], Any]) -> Any:
    with Database(settings.database_path).direct() as conn:
        return run_in_transaction(conn, fn)


def new_project(client: TestClient[Any], settings: Settings, name: str = "p") -> Project:
    """A project with one member of each role, made straight in the database.

    The people get JWTs from the app's own session codec: logging in through the API would
    spend an argon2 hash per person, seconds per test on a small box.
    """
    project_id = str(uuid.uuid4())
    users = {role: str(uuid.uuid4()) for role in ("viewer", "member", "manager", "owner")}

    def setup(conn: sqlite3.Connection) -> None:
        insert_project(conn, {"id": project_id, "name": name, "created_at": CREATED})
        for role, user_id in users.items():
            insert_user(
                conn,
                {
                    "id": user_id,
                    "email": f"{role}.{name}@example.com",
                    "email_key": f"{role}.{name}@example.com",
                    "name": role,
                    "password_hash": "not-a-hash",
                    "is_admin": 0,
                    "created_at": CREATED,
                },
            )
            insert_membership(conn, project_id, user_id, role, CREATED)

    write(settings, setup)
    sessions = client.app.state.services.sessions
    people = {
        role: {"Authorization": f"Bearer {sessions.issue(user_id)}"}
        for role, user_id in users.items()
    }
    return Project(project_id, people)


def entry(project_id: str, n: int, **changes: Any) -> NewEntry:
    fields: dict[str, Any] = {
        "project_id": project_id,
        "action": "used",
        "token_id": "tok-1",
        "token_prefix": "0123abcd",
        "actor_id": None,
        "actor_email": None,
        "source_ip": "198.51.100.7",
        "detail": {"n": n, "source": "jira", "external_id": f"PROJ-{n}"},
        "created_at": f"2026-01-01T12:{n // 60 % 60:02d}:{n % 60:02d}.000000Z",
    }
    return NewEntry(**{**fields, **changes})


def append(settings: Settings, entries: list[NewEntry]) -> list[int]:
    return list(write(settings, lambda conn: [append_entry(conn, e) for e in entries]))


@pytest.fixture
def project(client: TestClient[Any], settings: Settings) -> Project:
    return new_project(client, settings)


@pytest.fixture
def raw(settings: Settings) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection, as someone with the sqlite3 shell would have."""
    conn = sqlite3.connect(settings.database_path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


# The chain itself


def test_each_entry_chains_to_the_previous_one_of_its_project(
    project: Project, settings: Settings, raw: sqlite3.Connection
) -> None:
    append(settings, [entry(project.id, 1), entry(project.id, 2)])

    rows = raw.execute("SELECT prev_hash, hash FROM audit_entries ORDER BY id").fetchall()

    assert rows[0][0] == GENESIS
    assert rows[1][0] == rows[0][1]
    assert rows[0][1] == entry_hash(GENESIS, chained_content(entry(project.id, 1)))


def test_the_hash_is_sha256_of_the_previous_hash_and_sorted_compact_json(
    project: Project, settings: Settings, raw: sqlite3.Connection
) -> None:
    # The recipe docs/audit.md gives for checking an entry by hand, with only the stdlib.
    append(settings, [entry(project.id, 1, detail={"name": "Jïra ✓", "b": [1, None]})])
    columns = (
        "project_id, action, token_id, token_prefix, actor_id, actor_email, source_ip,"
        " detail, created_at"
    )
    raw.row_factory = sqlite3.Row
    row = raw.execute(f"SELECT {columns}, prev_hash, hash FROM audit_entries").fetchone()
    content = {name: row[name] for name in columns.split(", ")}

    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    by_hand = hashlib.sha256(f"{row['prev_hash']}\n{text}".encode()).hexdigest()

    assert by_hand == row["hash"]


def test_projects_have_separate_chains(
    client: TestClient[Any], settings: Settings, project: Project
) -> None:
    other = new_project(client, settings, "other")
    append(settings, [entry(project.id, 1), entry(other.id, 2)])

    first = client.get(other.url + "verify/", headers=other.people["manager"]).json()

    assert first["ok"] is True
    assert first["entries_checked"] == 1


def test_a_bad_entry_is_refused_before_it_is_chained() -> None:
    with pytest.raises(ValueError, match="token_prefix"):
        entry("p", 1, token_prefix="ABCDEF12")
    with pytest.raises(ValueError, match="action"):
        entry("p", 1, action="deleted")


# The database refuses changes


def test_a_direct_update_of_an_audit_row_fails(
    project: Project, settings: Settings, raw: sqlite3.Connection
) -> None:
    append(settings, [entry(project.id, 1)])

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("UPDATE audit_entries SET detail = '{}'")

    assert raw.execute("SELECT detail FROM audit_entries").fetchone()[0] != "{}"


def test_a_direct_delete_of_an_audit_row_fails(
    project: Project, settings: Settings, raw: sqlite3.Connection
) -> None:
    append(settings, [entry(project.id, 1)])

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM audit_entries")

    assert raw.execute("SELECT COUNT(*) FROM audit_entries").fetchone()[0] == 1


# verify/


def test_verify_reports_an_intact_chain_and_its_head(
    client: TestClient[Any], project: Project, settings: Settings
) -> None:
    ids = append(settings, [entry(project.id, n) for n in range(5)])
    last_hash = write(
        settings,
        lambda c: c.execute(
            "SELECT hash FROM audit_entries WHERE id = ?", (ids[-1],)
        ).fetchone(),
    )[0]

    response = client.get(project.url + "verify/", headers=project.people["manager"])

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "entries_checked": 5,
        "first_broken": None,
        "head": {"id": ids[-1], "hash": last_hash},
    }


def test_verify_of_an_empty_log_is_ok(client: TestClient[Any], project: Project) -> None:
    response = client.get(project.url + "verify/", headers=project.people["owner"])

    assert response.json() == {
        "ok": True,
        "entries_checked": 0,
        "first_broken": None,
        "head": None,
    }


def test_an_entry_altered_with_the_triggers_dropped_is_the_first_broken(
    client: TestClient[Any], project: Project, settings: Settings, raw: sqlite3.Connection
) -> None:
    ids = append(settings, [entry(project.id, n) for n in range(6)])
    raw.execute("DROP TRIGGER audit_entries_no_update")
    raw.execute("UPDATE audit_entries SET detail = ? WHERE id = ?", ('{"n":99}', ids[3]))

    response = client.get(project.url + "verify/", headers=project.people["manager"])

    assert response.json() == {
        "ok": False,
        "entries_checked": 4,
        "first_broken": {
            "id": ids[3],
            "reason": "hash does not match the entry's content: the entry was changed",
        },
        "head": None,
    }


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(
    client: TestClient[Any], project: Project, settings: Settings, raw: sqlite3.Connection
) -> None:
    ids = append(settings, [entry(project.id, n) for n in range(4)])
    raw.execute("DROP TRIGGER audit_entries_no_delete")
    raw.execute("DELETE FROM audit_entries WHERE id = ?", (ids[1],))

    report = client.get(project.url + "verify/", headers=project.people["manager"]).json()

    assert report["first_broken"]["id"] == ids[2]
    assert report["first_broken"]["reason"].startswith("prev_hash is not the hash")


def test_verify_walks_past_the_chunk_size(
    client: TestClient[Any], project: Project, settings: Settings, raw: sqlite3.Connection
) -> None:
    ids = append(settings, [entry(project.id, n) for n in range(4500)])
    raw.execute("DROP TRIGGER audit_entries_no_update")
    raw.execute("UPDATE audit_entries SET source_ip = '10.0.0.1' WHERE id = ?", (ids[4321],))

    report = client.get(project.url + "verify/", headers=project.people["manager"]).json()

    assert report["entries_checked"] == 4322
    assert report["first_broken"]["id"] == ids[4321]


def test_verify_needs_a_manager(client: TestClient[Any], project: Project) -> None:
    response = client.get(project.url + "verify/", headers=project.people["member"])

    assert response.status_code == 403
    assert response.json()["detail"] == "This needs the manager role or above; you are member."


# Reading the log


def test_entries_read_newest_first_in_their_documented_shape(
    client: TestClient[Any], project: Project, settings: Settings
) -> None:
    ids = append(
        settings,
        [
            entry(
                project.id,
                1,
                action="minted",
                actor_id="user-1",
                actor_email="m@example.com",
                detail={"name": "jira", "status_map": {}},
            ),
            entry(project.id, 2),
        ],
    )

    response = client.get(project.url, headers=project.people["manager"])

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": ids[1],
                "action": "used",
                "token_prefix": "0123abcd",
                "actor": None,
                "source_ip": "198.51.100.7",
                "detail": {"n": 2, "source": "jira", "external_id": "PROJ-2"},
                "created_at": "2026-01-01T12:00:02.000000Z",
            },
            {
                "id": ids[0],
                "action": "minted",
                "token_prefix": "0123abcd",
                "actor": {"id": "user-1", "email": "m@example.com"},
                "source_ip": "198.51.100.7",
                "detail": {"name": "jira", "status_map": {}},
                "created_at": "2026-01-01T12:00:01.000000Z",
            },
        ],
        "next": None,
    }


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        pytest.param("viewer", False, id="viewer"),
        pytest.param("member", False, id="member"),
        pytest.param("manager", True, id="manager"),
        pytest.param("owner", True, id="owner"),
    ],
)
def test_source_ip_is_shown_to_managers_and_owners_only(
    client: TestClient[Any], project: Project, settings: Settings, role: str, shown: bool
) -> None:
    append(settings, [entry(project.id, 1)])

    body = client.get(project.url, headers=project.people[role]).json()

    assert body["results"][0]["source_ip"] == ("198.51.100.7" if shown else None)


def test_a_non_member_gets_404(
    client: TestClient[Any], project: Project, settings: Settings
) -> None:
    outsider = new_project(client, settings, "elsewhere").people["owner"]

    assert client.get(project.url, headers=outsider).status_code == 404
    assert client.get(project.url + "verify/", headers=outsider).status_code == 404


def test_an_unknown_or_malformed_project_is_404(
    client: TestClient[Any], project: Project
) -> None:
    headers = project.people["owner"]

    assert (
        client.get(
            f"/api/v1/projects/{uuid.uuid4()}/api-token-audit/", headers=headers
        ).status_code
        == 404
    )
    assert (
        client.get("/api/v1/projects/nope/api-token-audit/", headers=headers).status_code == 404
    )


def test_the_log_needs_a_jwt(client: TestClient[Any], project: Project) -> None:
    response = client.get(project.url, headers={"Authorization": "Bearer tppm_" + "a" * 64})

    assert response.status_code == 401


def test_paging_through_1200_entries_returns_each_once_in_order(
    client: TestClient[Any], project: Project, settings: Settings
) -> None:
    ids = append(settings, [entry(project.id, n) for n in range(1200)])
    seen: list[int] = []
    url: str | None = project.url + "?limit=500"
    pages = 0

    while url is not None:
        body = client.get(url, headers=project.people["viewer"]).json()
        seen.extend(item["id"] for item in body["results"])
        url = body["next"]
        pages += 1

    assert seen == sorted(ids, reverse=True)
    assert pages == 3


def test_next_is_the_absolute_url_keeping_the_limit_and_filters(
    client: TestClient[Any], project: Project, settings: Settings
) -> None:
    ids = append(settings, [entry(project.id, n) for n in range(3)])

    body = client.get(
        project.url + "?limit=1&action=used&token_prefix=0123abcd",
        headers=project.people["viewer"],
    ).json()

    assert body["next"] == (
        f"http://testserver.local{project.url}"
        f"?limit=1&action=used&token_prefix=0123abcd&before={ids[2]}"
    )


def test_the_default_page_is_50(
    client: TestClient[Any], project: Project, settings: Settings
) -> None:
    append(settings, [entry(project.id, n) for n in range(51)])

    body = client.get(project.url, headers=project.people["viewer"]).json()

    assert len(body["results"]) == 50
    assert body["next"] is not None


def test_filters_by_action_and_token_prefix(
    client: TestClient[Any], project: Project, settings: Settings
) -> None:
    ids = append(
        settings,
        [
            entry(project.id, 1, action="minted"),
            entry(project.id, 2),
            entry(project.id, 3, token_prefix="ffff0000"),
            entry(project.id, 4, action="rejected", token_prefix="ffff0000"),
        ],
    )
    headers = project.people["member"]

    def found(query: str) -> list[int]:
        return [
            e["id"] for e in client.get(project.url + query, headers=headers).json()["results"]
        ]

    assert found("?action=used") == [ids[2], ids[1]]
    assert found("?token_prefix=ffff0000") == [ids[3], ids[2]]
    assert found("?action=used&token_prefix=ffff0000") == [ids[2]]
    assert found(f"?before={ids[2]}") == [ids[1], ids[0]]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        pytest.param("?limit=0", "limit", "must be a whole number from 1 to 500", id="limit-0"),
        pytest.param("?limit=501", "limit", "must be a whole number from 1 to 500", id="501"),
        pytest.param("?limit=ten", "limit", "must be a whole number from 1 to 500", id="text"),
        pytest.param("?limit=", "limit", "must be a whole number from 1 to 500", id="empty"),
        pytest.param(
            "?before=-3",
            "before",
            "must be a whole number from 1 to 9223372036854775807",
            id="before",
        ),
        pytest.param(
            "?action=deleted",
            "action",
            "must be one of minted, revoked, used, rejected",
            id="action",
        ),
        pytest.param(
            "?token_prefix=ABCDEF12",
            "token_prefix",
            "must be the 8 lowercase hex characters after tppm_",
            id="prefix",
        ),
    ],
)
def test_a_bad_query_is_a_400_naming_the_parameter(
    client: TestClient[Any], project: Project, query: str, field: str, message: str
) -> None:
    response = client.get(project.url + query, headers=project.people["viewer"])

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "message": message}]


def test_the_openapi_document_describes_both_routes(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    log = paths["/api/v1/projects/{project_id}/api-token-audit"]["get"]
    verify = paths["/api/v1/projects/{project_id}/api-token-audit/verify"]["get"]

    assert set(log["responses"]) >= {"200", "400", "401", "404"}
    assert set(verify["responses"]) >= {"200", "401", "403", "404"}
    assert {p["name"] for p in log["parameters"]} >= {
        "limit",
        "before",
        "action",
        "token_prefix",
    }
