"""`--dry-run`: check each line with the server's own payload rules, without sending it.

The rules are not restated here: the body goes through the same decoder and checks as on the
server (`server.push`, `server.http.body.decode`), so a line passes here exactly when the
server would accept its shape. What only the project knows (whether a status is mapped, a
parent exists, an email belongs to a member) shows up as warnings on the real push.
"""

from __future__ import annotations

from server.errors import InvalidInput
from server.http.body import decode
from server.importer.reader import Line
from server.push import ACCEPTED_FIELDS, DECODER, check_payload


def check(line: Line) -> list[tuple[str, str]]:
    """The (field, message) problems of a line; empty when the server would take it."""
    if line.problem is not None:
        return [("body", line.problem)]
    try:
        check_payload(decode(line.body, DECODER, ACCEPTED_FIELDS))
    except InvalidInput as exc:
        return [(error.field, error.message) for error in exc.errors]
    return []
