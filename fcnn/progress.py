"""The live progress line of fit(verbose=True): one bar per epoch, fed by the core.

The core calls back every few mini-batches (it takes the GIL for the call and nothing
else), about a hundred times an epoch, so the bar moves during long epochs without
slowing them. On a terminal tqdm draws the bar when it is installed, else one plain
line is rewritten in place; other streams (logs, pipes) get one summary line an epoch.
"""

import sys
import time

__all__ = ["EpochProgress", "UPDATES_PER_EPOCH"]

UPDATES_PER_EPOCH = 100


class EpochProgress:
    """Progress of one epoch of n samples: call update(rows done, running cost sum) as
    the core reports, then close(summary) with the epoch's line."""

    def __init__(self, epoch, epochs, n, stream=None):
        self._n = n
        self._stream = sys.stdout if stream is None else stream
        self._label = f"epoch {epoch}/{epochs}"
        self._started = time.perf_counter()
        self._bar = None
        self._live = getattr(self._stream, "isatty", lambda: False)()
        try:
            if not self._live:  # a log file gets the epoch's summary line only
                raise ImportError
            from tqdm.auto import tqdm
        except ImportError:
            self._write_plain(0, None)
        else:
            self._bar = tqdm(
                total=n,
                desc=self._label,
                unit=" samples",
                unit_scale=True,
                leave=True,
                file=self._stream,
                dynamic_ncols=True,
            )

    def update(self, done, cost_sum):
        cost = cost_sum / done if done else None
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            self._bar.set_postfix_str(f"cost {cost:.5g}", refresh=False)
        else:
            self._write_plain(done, cost)

    def close(self, summary):
        """End the epoch's line with `summary` (cost, accuracy, samples/s...)."""
        if self._bar is not None:
            self._bar.update(self._n - self._bar.n)
            self._bar.set_postfix_str(summary, refresh=False)
            self._bar.close()
        else:
            erase = "\r\x1b[K" if self._live else ""
            self._stream.write(f"{erase}{self._label}  {summary}\n")
            self._stream.flush()

    def _write_plain(self, done, cost):
        if not self._live:
            return
        width = 24
        filled = int(width * done / self._n) if self._n else width
        seconds = time.perf_counter() - self._started
        rate = f"  {done / seconds:,.0f} samples/s" if done and seconds > 0 else ""
        cost = f"  cost {cost:.5g}" if cost is not None else ""
        self._stream.write(
            f"\r{self._label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{done:,}/{self._n:,}{cost}{rate}\x1b[K"
        )
        self._stream.flush()
