"""Ctrl-C held back while a network's state changes as a whole.

Python raises KeyboardInterrupt between any two bytecodes of the main thread. Where
several attributes and arrays must change together (the end of an epoch: step count,
history, best parameters; undoing an unfinished epoch), an interrupt in between would
leave them from different epochs. `held_interrupts` makes such a block atomic with
respect to Ctrl-C: a SIGINT that arrives during it is delivered when it ends.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType

__all__ = ["held_interrupts"]


class held_interrupts:  # noqa: N801 (used as a statement: ``with held_interrupts():``)
    """Within the block, SIGINT's Python handler is held back; after it, the handler runs
    once for any SIGINT that arrived (raising KeyboardInterrupt by default).

    On other threads than the main one, and when SIGINT's handler is not a Python one,
    it does nothing: Python runs no signal handler there.
    """

    def __enter__(self) -> held_interrupts:
        self.held: FrameType | None | bool = False
        self.handler = None
        if threading.current_thread() is not threading.main_thread():
            return self
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            # The handler is swapped by one call: a SIGINT before it reaches the user's
            # handler before the block starts, one after it is held.
            signal.signal(signal.SIGINT, self._hold)
            self.handler = handler
        return self

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self.held = frame if frame is not None else True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.handler is None:
            return
        signal.signal(signal.SIGINT, self.handler)
        if self.held is not False:
            frame = self.held if isinstance(self.held, FrameType) else None
            self.handler(signal.SIGINT, frame)
