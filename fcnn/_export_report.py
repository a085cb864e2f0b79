"""What an export's self-check measured: the exported model's outputs against `predict`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ExportReport", "compare"]


@dataclass(frozen=True)
class ExportReport:
    """How far an exported model's outputs are from the network's own `predict`.

    Every export runs the model it wrote on sample inputs and measures it against
    `fcnn.Network.predict` on the same inputs; this is what it measured.

    Attributes
    ----------
    path : str
        What was written: the ONNX file, or the folder of the C sources.
    runner : str
        What ran the export: "onnxruntime 1.x", "gcc (ctypes)", ...
    samples : int
        The rows compared.
    max_abs : float
        The largest absolute difference of an output.
    max_rel : float
        The largest difference relative to the output's own magnitude,
        ``|exported - predict| / max(|predict|, tiny)`` over all outputs. Outputs far
        below their row's largest (a confident softmax's 1e-9) carry the rounding of
        the row's computation, so in float32 this can pass 1e-6 where every output is
        right to the precision the row was computed in: see `max_row_rel`.
    max_row_rel : float
        The largest difference relative to the largest magnitude among its row's
        outputs, ``|exported - predict| / max(max_j |predict_j|, tiny)``: the
        deviation on the scale each row is computed at.
    argmax_agreement : float or None
        The share of rows whose largest output is the same (None for one output).
    accuracy : tuple of (float, float) or None
        (predict's, the export's) accuracy on the labels given, where labels were given.
    """

    path: str
    runner: str
    samples: int
    max_abs: float
    max_rel: float
    max_row_rel: float
    argmax_agreement: float | None
    accuracy: tuple[float, float] | None = None

    def __str__(self) -> str:
        lines = [
            f"exported: {self.path}",
            f"checked with {self.runner} on {self.samples} samples against predict:",
            f"  max abs deviation {self.max_abs:.3g}, max relative deviation {self.max_rel:.3g}"
            f" (to the row's largest output: {self.max_row_rel:.3g})",
        ]
        if self.argmax_agreement is not None:
            lines.append(f"  argmax agreement {100 * self.argmax_agreement:.2f}%")
        if self.accuracy is not None:
            ours, theirs = self.accuracy
            lines.append(
                f"  accuracy {100 * ours:.2f}% (predict) -> {100 * theirs:.2f}% (export), "
                f"change {100 * (theirs - ours):+.2f} points"
            )
        return "\n".join(lines)


def compare(
    path: str,
    runner: str,
    expected: NDArray[np.floating],
    exported: ArrayLike,
    labels: ArrayLike | None = None,
) -> ExportReport:
    """The report of `exported` outputs against `expected` (predict's), row for row.

    Parameters
    ----------
    path, runner : str
        As in `ExportReport`.
    expected : ndarray of float, shape (n_samples, n_outputs)
        `predict`'s outputs.
    exported : array_like, shape (n_samples, n_outputs)
        The exported model's outputs for the same rows.
    labels : array_like of int, shape (n_samples,), optional
        The true classes, for the accuracy of both.

    Returns
    -------
    ExportReport

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.export import compare
    >>> report = compare("m.onnx", "test", np.array([[0.2, 0.8]]), np.array([[0.2, 0.7]]))
    >>> round(report.max_abs, 12), round(report.max_rel, 12), report.argmax_agreement
    (0.1, 0.125, 1.0)
    >>> round(report.max_row_rel, 12)
    0.125
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(exported, dtype=np.float64).reshape(expected.shape)
    difference = np.abs(got - expected)
    tiny = np.finfo(np.float64).tiny
    scale = np.maximum(np.abs(expected), tiny)
    row_scale = np.maximum(np.abs(expected).max(axis=1, keepdims=True, initial=0.0), tiny)
    agreement = None
    accuracy = None
    if expected.shape[1] > 1:
        ours, theirs = expected.argmax(axis=1), got.argmax(axis=1)
        agreement = float(np.mean(ours == theirs))
        if labels is not None:
            truth = np.asarray(labels).reshape(-1)
            accuracy = (float(np.mean(ours == truth)), float(np.mean(theirs == truth)))
    return ExportReport(
        path=str(path),
        runner=runner,
        samples=int(expected.shape[0]),
        max_abs=float(difference.max(initial=0.0)),
        max_rel=float((difference / scale).max(initial=0.0)),
        max_row_rel=float((difference / row_scale).max(initial=0.0)),
        argmax_agreement=agreement,
        accuracy=accuracy,
    )
