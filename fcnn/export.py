"""Exports of a trained network that check themselves.

Each export writes the model, runs what it wrote on sample inputs and returns an
`ExportReport` of how far its outputs are from `fcnn.Network.predict`.
"""

from ._c_export import C_FLAGS, to_c
from ._export_report import ExportReport, compare

__all__ = [
    "ExportReport",
    "compare",
    "to_c",
    "C_FLAGS",
]
