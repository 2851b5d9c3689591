"""What the importer shows and writes: progress, the rejects file, the closing summary.

On a terminal the progress is a `rich` bar with count, rate and ETA; otherwise (a CI log, a
pipe) one plain line every `PlainProgress.every` seconds, which reads well in a log file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO, Any

import msgspec
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from server.importer.runner import Rejection, Totals

_ENCODER = msgspec.json.Encoder()


def _done(totals: Totals) -> int:
    return totals.created + totals.updated + totals.unchanged + totals.rejected


class BarProgress:
    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            TextColumn("pushing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: TaskID | None = None
        self._started = 0.0

    def start(self, total: int) -> None:
        self._started = time.monotonic()
        self._task = self._bar.add_task("push", total=total, rate="")
        self._bar.start()

    def advance(self, totals: Totals) -> None:
        assert self._task is not None
        done = _done(totals)
        rate = done / max(time.monotonic() - self._started, 1e-9)
        self._bar.update(self._task, completed=done, rate=f"{rate:.1f}/s")

    def stop(self) -> None:
        self._bar.stop()


class PlainProgress:
    def __init__(self, out: IO[str], every: float = 5.0) -> None:
        self._out = out
        self.every = every
        self._total = 0
        self._started = 0.0
        self._last = 0.0

    def start(self, total: int) -> None:
        self._total = total
        self._started = self._last = time.monotonic()
        print(f"pushing {total} lines", file=self._out, flush=True)

    def advance(self, totals: Totals) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        done = _done(totals)
        rate = done / max(now - self._started, 1e-9)
        eta = (self._total - done) / rate if rate > 0 else 0.0
        print(
            f"{done}/{self._total} pushed, {rate:.1f}/s, ETA {clock_text(eta)}",
            file=self._out,
            flush=True,
        )

    def stop(self) -> None:
        pass


def clock_text(seconds: float) -> str:
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class RejectsFile:
    """JSON lines `{line, status, detail, errors, payload}`; opened (truncated) on first use,
    so a run without rejects leaves no file behind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def write(self, rejection: Rejection) -> None:
        if self._file is None:
            self._file = self.path.open("wb")
        line = rejection.line
        payload: Any = line.payload
        if payload is None:
            payload = line.body.decode("utf-8", errors="replace")
        record = {
            "line": line.number,
            "status": rejection.status or None,
            "detail": rejection.detail,
            "errors": rejection.errors,
            "payload": payload,
        }
        self._file.write(_ENCODER.encode(record) + b"\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def summary(totals: Totals, elapsed: float) -> str:
    done = totals.created + totals.updated + totals.unchanged
    rate = f", {done / elapsed:.1f}/s" if elapsed > 0 and done else ""
    text = (
        f"created {totals.created}, updated {totals.updated}, unchanged {totals.unchanged}, "
        f"rejected {totals.rejected}, elapsed {elapsed:.1f}s{rate}"
    )
    extras = [
        (totals.skipped, "skipped (imported by an earlier run)"),
        (totals.warnings, "warnings"),
        (totals.rate_limited, "429s waited out"),
        (totals.retries, "retries"),
        (totals.pending, "not pushed yet"),
    ]
    shown = [f"{count} {what}" for count, what in extras if count]
    return text + (f"; {', '.join(shown)}" if shown else "")
