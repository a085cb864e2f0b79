"""Exports of a trained network that check themselves.

Each export writes the model, runs what it wrote on sample inputs and returns an
`ExportReport` of how far its outputs are from `fcnn.Network.predict`.
"""

from ._c_export import C_FLAGS, to_c
from ._export_report import ExportReport, compare
from ._onnx import register_skl2onnx, to_onnx

__all__ = [
    "ExportReport",
    "compare",
    "register_skl2onnx",
    "to_onnx",
    "to_c",
    "C_FLAGS",
]
