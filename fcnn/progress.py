"""The live progress line of fit(verbose=True): one bar per epoch, fed by the core.

The core calls back every few mini-batches (it takes the GIL for the call and nothing
else), about a hundred times an epoch, so the bar moves during long epochs without
slowing them. On a terminal tqdm draws the bar when it is installed, else one plain
line is rewritten in place; in a Jupyter notebook tqdm's widget (with ipywidgets), else
the plain line. Other streams (logs, pipes) get one summary line an epoch. Live lines
fit the terminal's width; each epoch ends with its summary line, wrapped to that width.
"""

import shutil
import sys
import time
import warnings

__all__ = ["EpochProgress", "UPDATES_PER_EPOCH", "epoch_label"]

UPDATES_PER_EPOCH = 100
_BAR_WIDTH = 30  # at most, in the plain line

# tqdm's default also shows the elapsed and remaining time, which leaves the bar no room
_TQDM_FORMAT = "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {rate_fmt}{postfix}"


def epoch_label(epoch, epochs):
    """The start of every epoch line: "epoch  7/10", padded to the width of `epochs`."""
    return f"epoch {epoch:>{len(str(epochs))}}/{epochs}"


def _in_notebook():
    """Whether this is a Jupyter kernel, whose stdout is no terminal but redraws a line."""
    return "ipykernel" in sys.modules


def _tqdm(notebook):
    """tqdm.auto's bar, or None without tqdm, or in a notebook without ipywidgets (where
    tqdm.auto falls back to its text bar, which the plain line replaces)."""
    try:
        with warnings.catch_warnings():  # tqdm warns on import when ipywidgets is missing
            warnings.simplefilter("ignore")
            from tqdm import auto
    except ImportError:
        return None
    if notebook and auto.tqdm is auto.asyncio_tqdm:
        return None
    return auto.tqdm


def _wrap(parts, width, indent):
    """Lines of at most `width` characters: `parts` joined by two spaces, the lines after
    the first indented."""
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += "  " + part
        else:
            lines.append(indent + part)
    return lines


class EpochProgress:
    """Progress of one epoch of n samples (None: not known yet, as in a stream's first
    epoch): call update(rows done, running cost sum) as
    the core reports, then close(summary) with the epoch's line, or interrupt()."""

    def __init__(self, epoch, epochs, n, stream=None):
        self._n = n
        self._stream = sys.stdout if stream is None else stream
        self._label = epoch_label(epoch, epochs)
        self._started = time.perf_counter()
        notebook = self._stream is sys.stdout and _in_notebook()
        self._live = notebook or getattr(self._stream, "isatty", lambda: False)()
        self._width = shutil.get_terminal_size().columns - 1  # the last column would wrap
        # room for typical figures keeps the bar's width steady as they come and change
        typical = f"{self._label} [] {n or 0:,}/{n or 0:,}  cost 0.12345  100,000 samples/s"
        self._bar_width = min(_BAR_WIDTH, self._width - len(typical))
        bar = _tqdm(notebook) if self._live else None
        self._bar = None
        if bar is None:
            self._write_plain(0, None)
        else:
            self._bar = bar(
                total=n,
                desc=self._label,
                unit=" samples",
                unit_scale=True,
                leave=False,  # the epoch's summary line takes its place
                file=self._stream,
                bar_format=_TQDM_FORMAT,
                **({} if notebook else {"ncols": self._width + 1}),  # a widget sizes itself
            )

    def update(self, done, cost_sum):
        cost = cost_sum / done if done else None
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            if cost is not None:
                self._bar.set_postfix_str(f"cost {cost:.5g}", refresh=False)
        else:
            self._write_plain(done, cost)

    def close(self, summary):
        """End the epoch's line with `summary` (cost, accuracy, samples/s... separated by
        two spaces)."""
        if self._bar is not None:
            if self._n is not None:
                self._bar.update(self._n - self._bar.n)
            self._bar.close()
        line = f"{self._label}  {summary}"
        if self._live:
            lines = _wrap(line.split("  "), self._width, " " * (len(self._label) + 2))
            lines[0] = lines[0].ljust(self._width)  # covers the plain line's bar
            line = ("\r" if self._bar is None else "") + "\n".join(lines)
        self._stream.write(line + "\n")
        self._stream.flush()

    def interrupt(self):
        """Leave the line as it stands (after Ctrl-C), so that nothing of it is drawn again."""
        if self._bar is not None:
            self._bar.close()
        elif self._live:
            self._stream.write("\n")
            self._stream.flush()

    def _write_plain(self, done, cost):
        if not self._live:
            return
        seconds = time.perf_counter() - self._started
        count = f" {done:,}" + ("" if self._n is None else f"/{self._n:,}")
        cost = f"  cost {cost:.5g}" if cost is not None else ""
        rate = f"  {done / seconds:,.0f} samples/s" if done and seconds > 0 else ""
        room = self._width - len(self._label) - len(count) - len(cost) - len(rate) - 3
        room = min(room, self._bar_width)
        bar = ""
        if room >= 5 and self._n is not None:  # else the figures keep the width
            filled = int(room * done / self._n) if self._n else room
            bar = f" [{'#' * filled}{'.' * (room - filled)}]"
        line = f"{self._label}{bar}{count}{cost}{rate}"[: self._width]
        self._stream.write("\r" + line.ljust(self._width))  # covers the last line entirely
        self._stream.flush()
