"""How far the seeding of the demo world has got: a progress bar on a terminal (rich), and a
plain line per phase anywhere else (a CI log, a test's captured output, a file)."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.management.base import OutputWrapper
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class SeedProgress:
    """The phases of a seed, each shown as it runs: ``phase`` yields a function that is told
    how far the phase has got (of its ``total``; a phase without one just runs)."""

    def __init__(self, stdout: OutputWrapper):
        self.stdout = stdout
        self.started = time.monotonic()
        self.bar = None
        if stdout.isatty():
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(file=_Terminal(stdout), force_terminal=True),
            )

    def __enter__(self) -> "SeedProgress":
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    @contextmanager
    def phase(self, description: str, total: float | None = None) -> Iterator[Callable]:
        if self.bar is None:
            self.stdout.write(f"{description}…")
            yield lambda completed: None
            return
        task = self.bar.add_task(description, total=total)
        yield lambda completed: self.bar.update(task, completed=completed)
        self.bar.update(task, total=total or 1, completed=total or 1)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class _Terminal:
    """The command's stdout as rich writes to it: as it is, with no line ending added."""

    def __init__(self, stdout: OutputWrapper):
        self.stdout = stdout

    def write(self, text: str) -> int:
        self.stdout.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self.stdout.flush()

    def isatty(self) -> bool:
        return True
