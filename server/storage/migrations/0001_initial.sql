-- tasksync schema, version 1. Portable SQL except where marked (see server/storage/dialect.py).
-- Timestamps are RFC 3339 UTC strings written by the application (its clock is injected).

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,          -- lower-cased email: unique case-insensitively
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_task_number INTEGER NOT NULL DEFAULT 0   -- short-id counter
);

CREATE TABLE memberships (
    project_id TEXT NOT NULL REFERENCES projects (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('viewer', 'member', 'manager', 'owner')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,          -- SHA-256 hex of the whole token string
    token_prefix TEXT NOT NULL,
    status_map TEXT NOT NULL,                 -- JSON object, normalised keys
    created_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    backfill_until TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_by_project ON api_tokens (project_id, created_at);

CREATE TABLE sprints (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX sprints_by_project ON sprints (project_id, created_at);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    number INTEGER NOT NULL,                  -- short_id is this in 8 uppercase hex digits
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('BACKLOG', 'NOT_STARTED', 'IN_PROGRESS', 'REVIEW', 'ON_HOLD',
                          'COMPLETE')),
    story_points INTEGER,
    assignee_id TEXT REFERENCES users (id),
    sprint_id TEXT REFERENCES sprints (id),
    parent_id TEXT REFERENCES tasks (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, number)
);
CREATE INDEX tasks_by_parent ON tasks (parent_id);

-- The inbound link of a pushed task: its key in the source tool and what is parked on it.
CREATE TABLE task_links (
    task_id TEXT PRIMARY KEY REFERENCES tasks (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    external_url TEXT,
    pending_assignee_email TEXT,              -- lower-cased
    parent_external_id TEXT,
    updated_at TEXT,                          -- the change time the source reported
    last_synced_at TEXT NOT NULL,
    UNIQUE (project_id, source, external_id)
);
CREATE INDEX task_links_by_parent_key ON task_links (project_id, source, parent_external_id);
CREATE INDEX task_links_by_parked_email ON task_links (project_id, pending_assignee_email);

CREATE TABLE task_history (
    id INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks (id),
    actor TEXT NOT NULL,                      -- JSON: {"token_prefix": …} or {"user_id", "email"}
    changes TEXT NOT NULL,                    -- JSON list of {field, old, new}
    created_at TEXT NOT NULL
);
CREATE INDEX task_history_by_task ON task_history (task_id, id);

CREATE TABLE unmapped_statuses (
    project_id TEXT NOT NULL REFERENCES projects (id),
    source TEXT NOT NULL,
    status_key TEXT NOT NULL,                 -- normalised (SPEC 4.3)
    last_value TEXT NOT NULL,                 -- as last sent
    count INTEGER NOT NULL,
    last_seen_at TEXT NOT NULL,
    PRIMARY KEY (project_id, source, status_key)
);

CREATE TABLE audit_entries (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    action TEXT NOT NULL CHECK (action IN ('minted', 'revoked', 'used', 'rejected')),
    token_id TEXT,
    token_prefix TEXT NOT NULL,
    actor_id TEXT,
    actor_email TEXT,
    source_ip TEXT,
    detail TEXT NOT NULL,                     -- canonical JSON
    created_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL,                  -- hash of the project's previous entry
    hash TEXT NOT NULL                        -- SHA-256 over prev_hash and this entry
);
CREATE INDEX audit_entries_by_project ON audit_entries (project_id, id);
CREATE INDEX audit_entries_by_project_action ON audit_entries (project_id, action, id);
CREATE INDEX audit_entries_by_project_prefix ON audit_entries (project_id, token_prefix, id);

-- SQLite dialect: the database itself refuses to change or remove audit rows (SPEC 5).
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;

CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
