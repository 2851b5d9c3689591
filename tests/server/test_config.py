from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from server.config import SettingsError, describe, load_settings


def test_defaults_match_the_operating_table() -> None:
    settings = load_settings({})

    assert settings.data_dir == Path("data")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.admin_email == "admin@localhost"
    assert settings.jwt_ttl_seconds == 43200
    assert (settings.rate_limit, settings.backfill_rate_limit) == (100, 1000)
    assert (settings.rate_window_seconds, settings.backfill_minutes) == (60, 60)
    assert settings.trusted_networks == ()


def test_environment_variables_are_read_and_flags_win() -> None:
    settings = load_settings(
        {"TASKSYNC_PORT": "9000", "TASKSYNC_TRUSTED_PROXIES": "10.0.0.0/8, ::1"}, port=9100
    )

    assert settings.port == 9100
    assert settings.trusted_networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1"),
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("TASKSYNC_PORT", "eighty", id="not-a-number"),
        pytest.param("TASKSYNC_RATE_LIMIT", "0", id="zero-limit"),
        pytest.param("TASKSYNC_TRUSTED_PROXIES", "10.0.0.0/8,nope", id="bad-proxy"),
        pytest.param("TASKSYNC_LOG_FORMAT", "xml", id="bad-format"),
    ],
)
def test_a_bad_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value})


def test_describe_lists_every_setting() -> None:
    text = describe()

    for name in ("TASKSYNC_DATA_DIR", "TASKSYNC_SECRET_KEY", "TASKSYNC_TRUSTED_PROXIES"):
        assert name in text
