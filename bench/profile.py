"""py-spy around a scenario, and a short text summary of what it saw.

`python -m bench.run --profile task-sync` records the server with py-spy while that scenario
runs (`--gil`: only the thread holding the GIL is sampled, so the shares are shares of the
Python CPU time, the resource that bounds a one-process server) and writes
`bench/profile-<scenario>.txt`: the functions where the samples landed (self) and the
functions they passed through (inclusive). The raw file is too big to keep.

    python -m bench.profile RAW_FILE [LINES]    # summarise a `py-spy record -f raw` file
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

_SITE = re.compile(r"\s*\(/[^()]*?/site-packages/")
_STDLIB = re.compile(r"\s*\(/usr/lib/python3\.\d+/")


class Recorder:
    """`py-spy record` of one process, started and stopped around a scenario."""

    def __init__(self, pid: int) -> None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.raw = Path(tempfile.mkstemp(prefix="py-spy-", suffix=".txt")[1])
        command = [spy, "record", "-p", str(pid), "-f", "raw", "-o", str(self.raw)]
        command += ["--gil", "--nonblocking", "-r", "250"]
        self.process = subprocess.Popen(  # noqa: S603 - py-spy on our own server
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop(self) -> Path:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        return self.raw


def summarise(raw: Path, lines: int = 30) -> str:
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";")]
        total += int(count)
        leaf[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    out = [f"{total} samples of the thread holding the GIL", "", "self:"]
    out += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in leaf.most_common(lines)]
    out += ["", "inclusive:"]
    out += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(lines)]
    return "\n".join(out) + "\n"


def _short(frame: str) -> str:
    frame = _SITE.sub(" (", frame)
    frame = _STDLIB.sub(" (", frame)
    return frame.replace(str(Path(__file__).resolve().parents[1]) + "/", "")


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30))
