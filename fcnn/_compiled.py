"""The build of the compiled core that this process runs.

fcnn._core is built for any CPU of its architecture; on x86-64 the same source is also
built with AVX2 as fcnn._core_avx2 (see setup.py), with the same results bit for bit.
The AVX2 build is used where the CPU has AVX2. The environment variable FCNN_CORE,
read once at import, overrides the choice: "baseline" for fcnn._core, "avx2" to insist on
the AVX2 build (an ImportError where it cannot run), "auto" (the default) to choose.
Every module of the package reaches the core as ``_compiled.core``, so that replacing this
one attribute (as the tests do) replaces the core for every network made afterwards.
"""

import os
from types import ModuleType

# Absolute imports: mypy takes a missing ``from . import _core`` for a missing attribute of
# fcnn, while pyproject.toml lets it skip a missing module fcnn._core (built, not typed).
import fcnn._core as baseline

CHOICES = ("auto", "baseline", "avx2")


def _choose(choice: str) -> ModuleType:
    if choice not in CHOICES:
        raise ImportError(f"FCNN_CORE must be one of {', '.join(CHOICES)}, got {choice!r}")
    if choice == "baseline":
        return baseline
    if not baseline.cpu_has_avx2():
        if choice == "avx2":
            raise ImportError("FCNN_CORE=avx2, but this CPU does not run AVX2 code")
        return baseline
    try:
        import fcnn._core_avx2 as _core_avx2
    except ModuleNotFoundError as error:  # not built; a build that fails to load raises
        if choice == "avx2":
            raise ImportError(
                f"FCNN_CORE=avx2, but fcnn._core_avx2 was not built ({error})"
            ) from error
        return baseline
    return _core_avx2


core = _choose(os.environ.get("FCNN_CORE", "auto").strip().lower() or "auto")
