"""A live server for the hostile-input and auth tests, shared by a module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import stop_server
from tests.hostile.wire import Site, open_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    opened = open_site(
        data_dir,
        TASKSYNC_BODY_TIMEOUT_SECONDS="2",
        TASKSYNC_RATE_LIMIT="1000000",
        TASKSYNC_BACKFILL_RATE_LIMIT="1000000",
    )
    try:
        yield opened
    finally:
        stop_server(opened.server)
