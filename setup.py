"""Builds the compiled core; the package metadata lives in pyproject.toml.

The normal build trusts the Python layer's checks and compiles the core without bounds
checking. FCNN_BOUNDSCHECK=1 builds a checked core instead (boundscheck, wraparound and
initializedcheck on: an out-of-range memoryview index raises IndexError instead of
reading or writing past the buffer), for CI and debugging; see tools/boundscheck.sh.
Its generated C goes to build/boundscheck/, so the two builds never share a C file.
"""

import os
import platform
import sys

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

BOUNDSCHECK = os.environ.get("FCNN_BOUNDSCHECK", "0") not in ("", "0")

# The core never enables floating-point traps, so the compiler may evaluate both arms
# of a select; without that GCC leaves the loops of the branch-free exponential (its
# clamps, sigmoid's two forms) scalar.
extra_compile_args = [] if sys.platform == "win32" else ["-fno-trapping-math"]
# The core never reads errno, so sqrt may be the instruction (correctly rounded either way),
# which lets the optimizers' update loops vectorize.
if sys.platform != "win32":
    extra_compile_args.append("-fno-math-errno")
# A CFLAGS in the environment replaces Python's own compile flags, -O3 among them, so a
# CFLAGS that names no optimization level would build the core unoptimized.
if sys.platform != "win32" and "CFLAGS" in os.environ and "-O" not in os.environ["CFLAGS"]:
    extra_compile_args.append("-O3")
# Python's own flags include -g, which adds megabytes of debug information to each module.
# Builds leave it out unless CFLAGS asks for it (CFLAGS=-g pip install .).
asks_for_debug_info = any(f.startswith("-g") for f in os.environ.get("CFLAGS", "").split())
if sys.platform != "win32" and not asks_for_debug_info:
    extra_compile_args.append("-g0")


def core(name, source, flags=()):
    return Extension(
        name,
        [source],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=extra_compile_args + list(flags),
    )


# On x86-64 the core is built twice: for any x86-64 CPU (SSE2), and with AVX2, which
# fcnn/_compiled.py picks where the CPU has it (benchmarks/README.md has what it gains).
# No FMA: a fused multiply-add rounds once where the SSE2 build rounds twice, and
# the two builds are to agree bit for bit. FCNN_AVX2=0 builds the first alone.
AVX2 = (
    os.environ.get("FCNN_AVX2", "1") not in ("", "0")
    and sys.platform != "win32"
    and platform.machine().lower() in ("x86_64", "amd64")
)

extensions = [core("fcnn._core", "src_c/_core.pyx")]
if AVX2:
    extensions.append(
        core("fcnn._core_avx2", "src_c/_core_avx2.pyx", ["-mavx2", "-ffp-contract=off"])
    )

setup(
    ext_modules=cythonize(
        extensions,
        include_path=["src_c"],
        build_dir="build/boundscheck" if BOUNDSCHECK else None,
        compiler_directives={
            "language_level": 3,
            "boundscheck": BOUNDSCHECK,
            "wraparound": BOUNDSCHECK,
            "cdivision": True,
            "initializedcheck": BOUNDSCHECK,
        },
    ),
)
