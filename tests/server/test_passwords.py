from __future__ import annotations

from argon2 import PasswordHasher, Type

from server import passwords


def test_production_hashes_are_argon2id_at_the_library_defaults() -> None:
    # The suite swaps in cheap parameters (tests/conftest.py); the dummy hash was made at
    # import time by the hasher that ships, so it shows the production parameters.
    defaults = PasswordHasher()

    assert passwords._DUMMY_HASH.startswith(
        f"$argon2id$v=19$m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}$"
    )
    assert defaults.type is Type.ID
    assert defaults.memory_cost >= 19 * 1024  # OWASP's floor for argon2id


def test_a_hash_verifies_only_its_own_password() -> None:
    encoded = passwords.hash_password("correct horse battery")

    assert passwords.verify_password(encoded, "correct horse battery")
    assert not passwords.verify_password(encoded, "correct horse battery!")
    assert not passwords.verify_password(None, "correct horse battery")
    assert not passwords.verify_password("not a hash", "correct horse battery")


def test_password_length_rules() -> None:
    assert passwords.problem_with("short") == "must be at least 8 characters"
    assert passwords.problem_with("x" * 1025) == "must be at most 1024 characters"
    assert passwords.problem_with("long enough") is None
