"""`tasksync import` end to end, as a process against a live server with a low limit."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from server.importer.pacing import fastest_seconds
from tests.conftest import free_port
from tests.importer.conftest import LIMIT, WINDOW, Project, run_import


def write_jsonl(path: Path, payloads: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in payloads), encoding="utf-8")
    return path


def tasks(count: int) -> list[dict[str, object]]:
    return [
        {"source": "jira", "external_id": f"IMP-{i}", "name": f"Task {i}"} for i in range(count)
    ]


def elapsed_of(summary: str) -> float:
    match = re.search(r"elapsed ([0-9.]+)s", summary)
    assert match, summary
    return float(match.group(1))


def test_sixty_lines_finish_within_ten_percent_of_the_fastest_the_limit_allows(
    project: Project, tmp_path: Path
) -> None:
    file = write_jsonl(tmp_path / "tasks.jsonl", tasks(60))

    result = run_import(file, project)

    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("created 60, updated 0, unchanged 0, rejected 0, elapsed ")
    assert "429" not in summary  # none met, so none needed waiting out
    ideal = fastest_seconds(60, LIMIT, WINDOW)  # 20 now, 20 a window later, 20 after two
    assert ideal == 2 * WINDOW
    assert ideal <= elapsed_of(summary) <= ideal * 1.1
    assert len(project.used_entries()) == 60


def test_interrupted_import_resumes_and_pushes_every_line_exactly_once(
    project: Project, tmp_path: Path
) -> None:
    file = write_jsonl(tmp_path / "tasks.jsonl", tasks(60))
    state = tmp_path / "tasks.jsonl.tasksync-import.jsonl"
    process = _start_import(file, project)
    # The first 20 fill the window; Ctrl-C lands while the importer waits for the next slot.
    _wait_for(lambda: state.exists() and len(state.read_text().splitlines()) >= LIMIT)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)

    assert process.returncode == 130, err
    assert "run the same command to resume" in err
    first = len(state.read_text().splitlines())
    assert LIMIT <= first < 60

    resumed = run_import(file, project)

    assert resumed.returncode == 0, resumed.stderr
    assert f"{first} skipped (imported by an earlier run)" in resumed.stdout
    assert f"created {60 - first}," in resumed.stdout
    used = project.used_entries()
    assert sorted(e["detail"]["external_id"] for e in used) == sorted(
        f"IMP-{i}" for i in range(60)
    )


def test_three_invalid_lines_are_reported_with_the_server_reasons_and_exit_1(
    project: Project, tmp_path: Path
) -> None:
    payloads = tasks(10)
    payloads[2]["story_points"] = 2.5
    payloads[5]["source"] = "Jira"
    payloads[7]["title"] = "a typo for name"
    file = write_jsonl(tmp_path / "tasks.jsonl", payloads)

    result = run_import(file, project)

    assert result.returncode == 1
    assert "created 7, updated 0, unchanged 0, rejected 3" in result.stdout
    rejects = [json.loads(line) for line in (tmp_path / "tasks.jsonl.rejects.jsonl").open()]
    assert [(r["line"], r["status"], [e["field"] for e in r["errors"]]) for r in rejects] == [
        (3, 400, ["story_points"]),
        (6, 400, ["source"]),
        (8, 400, ["title"]),
    ]
    assert rejects[0]["errors"][0]["message"] == "must be a whole number"
    assert rejects[0]["payload"] == payloads[2]
    assert len(project.used_entries()) == 7


def test_a_rerun_after_rejections_skips_the_accepted_lines_and_retries_only_the_rest(
    project: Project, tmp_path: Path
) -> None:
    payloads = tasks(4)
    payloads[1]["story_points"] = -1
    file = write_jsonl(tmp_path / "tasks.jsonl", payloads)
    assert run_import(file, project).returncode == 1

    again = run_import(file, project)

    assert again.returncode == 1
    assert "created 0, updated 0, unchanged 0, rejected 1" in again.stdout
    assert "3 skipped" in again.stdout
    assert len(project.used_entries()) == 3


def test_an_unreachable_server_is_a_clear_error_and_exit_3(
    project: Project, tmp_path: Path
) -> None:
    file = write_jsonl(tmp_path / "tasks.jsonl", tasks(3))
    nowhere = Project(project.server, project.id, project.token, project.admin)
    url = f"http://127.0.0.1:{free_port()}"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "import",
            str(file),
            "--url",
            url,
            "--project",
            nowhere.id,
            "--retries",
            "1",
        ],
        env={"TPPM_TOKEN": project.token, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 3
    assert "error: cannot reach the server: ConnectError" in result.stderr
    assert "(after 1 retries)" in result.stderr
    assert "created 0, updated 0, unchanged 0, rejected 0" in result.stdout
    assert "3 not pushed yet" in result.stdout


def test_a_token_of_another_project_stops_the_run_with_exit_3(
    project: Project, tmp_path: Path
) -> None:
    file = write_jsonl(tmp_path / "tasks.jsonl", tasks(3))

    result = run_import(file, project, token="tppm_" + "0" * 64)

    assert result.returncode == 3
    assert "the server refused the token (401)" in result.stderr
    assert project.used_entries() == []


def test_the_token_comes_only_from_the_environment(project: Project, tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "tasks.jsonl", tasks(1))

    missing = run_import(file, project, token="")
    on_argv = run_import(file, project, "--token", project.token)

    assert missing.returncode == 2
    assert "set TPPM_TOKEN" in missing.stderr
    assert on_argv.returncode == 2
    assert "No such option '--token'" in on_argv.stderr


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(
    project: Project, tmp_path: Path
) -> None:
    payloads = tasks(3)
    payloads[1]["external_url"] = "ftp://example.com/x"
    file = write_jsonl(tmp_path / "tasks.jsonl", payloads)

    result = run_import(file, None, "--dry-run", token="")

    assert result.returncode == 1
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        payloads[0],
        payloads[2],
    ]
    assert "line 2: external_url: must be an absolute http or https URL" in result.stderr
    assert "2 would be sent, 1 invalid" in result.stderr
    assert project.used_entries() == []


def _start_import(file: Path, project: Project) -> subprocess.Popen[str]:
    env = {**os.environ, "TPPM_TOKEN": project.token}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server",
            "import",
            str(file),
            "--url",
            project.server.url,
            "--project",
            project.id,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition: object, timeout: float = 30) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_jira_export_listing_children_first_lands_as_one_attached_hierarchy(
    project: Project, tmp_path: Path
) -> None:
    def issue(key: str, parent: str | None) -> dict[str, object]:
        fields: dict[str, object] = {"summary": key, "status": {"name": "In Progress"}}
        if parent:
            fields["parent"] = {"key": parent}
        return {
            "key": key,
            "self": "https://acme.atlassian.net/rest/api/3/issue/1",
            "fields": fields,
        }

    export = tmp_path / "jira.json"
    export.write_text(
        json.dumps({"issues": [issue("P-3", "P-2"), issue("P-2", "P-1"), issue("P-1", None)]})
    )

    result = run_import(export, project)

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .startswith("created 3, updated 0, unchanged 0, rejected 0,")
    )
    assert "warnings" not in result.stdout  # no "parent not found yet"
    with project.server.client() as client:
        listed = client.get(f"/api/v1/projects/{project.id}/tasks/", headers=project.admin)
    tasks_by_key = {t["link"]["external_id"]: t for t in listed.json()["results"]}
    assert tasks_by_key["P-1"]["parent_id"] is None
    assert tasks_by_key["P-2"]["parent_id"] == tasks_by_key["P-1"]["id"]
    assert tasks_by_key["P-3"]["parent_id"] == tasks_by_key["P-2"]["id"]
    assert tasks_by_key["P-3"]["status"] == "IN_PROGRESS"
    assert (
        tasks_by_key["P-3"]["link"]["external_url"] == "https://acme.atlassian.net/browse/P-3"
    )


def test_an_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("just some notes\n")

    result = run_import(file, None, "--dry-run", token="")

    assert result.returncode == 2
    assert (
        "expected JSON: JSONL payloads, a Jira search result or a JSON array" in result.stderr
    )
