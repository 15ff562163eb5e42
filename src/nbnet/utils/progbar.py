"""Keras-style progress lines: ``1875/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - loss: 0.3012``."""

from __future__ import annotations

import sys
import time


def _format_time(seconds_per_step: float) -> str:
    if seconds_per_step >= 1:
        return f"{seconds_per_step:.0f}s/step"
    if seconds_per_step >= 1e-3:
        return f"{seconds_per_step * 1e3:.0f}ms/step"
    return f"{seconds_per_step * 1e6:.0f}us/step"


def format_logs(logs: dict) -> str:
    return "".join(f" - {k}: {v:.4f}" for k, v in sorted(logs.items()))


class Progbar:
    """Prints a live bar in a terminal, and one final line per epoch elsewhere (e.g. notebooks).

    Parameters
    ----------
    target : int
        Number of steps.
    verbose : int
        1: bar (live only in a terminal); 2: one line per epoch, no bar.
    """

    width = 20

    def __init__(self, target: int, verbose: int = 1, stream=None):
        self.target, self.verbose = target, verbose
        self.stream = stream or sys.stdout
        self.live = verbose == 1 and getattr(self.stream, "isatty", lambda: False)()
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, step: int, logs: dict | None = None, finalize: bool = False) -> None:
        now = time.perf_counter()
        if not finalize and (not self.live or now - self._last_draw < 0.1):
            return
        self._last_draw = now
        elapsed = now - self.start
        per_step = elapsed / max(step, 1)
        target = self.target or step   # a generator's number of steps is known only at the end
        if self.verbose == 2:
            line = f"{step}/{target} - {elapsed:.0f}s - {_format_time(per_step)}"
        else:
            done = int(self.width * step / max(target, 1))
            bar = "━" * done + " " * (self.width - done) if not finalize else "━" * self.width
            timing = f"{elapsed:.0f}s {_format_time(per_step)}" if finalize else (
                f"{per_step * (target - step):.0f}s {_format_time(per_step)}")
            line = f"{step}/{target} {bar} {timing}"
        line += format_logs(logs or {})
        end = "\n" if finalize else ""
        prefix = "\r" if self.live else ""
        self.stream.write(prefix + line + end)
        self.stream.flush()
