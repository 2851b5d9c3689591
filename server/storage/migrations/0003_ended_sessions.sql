-- Sessions ended before their JWT expires (logout). A JWT names its session with a random
-- `jti`; a user lookup for a request also asks whether that jti is here, in the same query.
-- Rows are only needed until the JWT would have expired anyway: logout purges the ones whose
-- `expires_at` has passed. Times are ISO 8601 UTC like every other column.
CREATE TABLE ended_sessions (
    jti TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX ended_sessions_by_expiry ON ended_sessions (expires_at);
