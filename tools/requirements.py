"""Print requirements from pyproject.toml for pip, one a line.

usage: python tools/requirements.py EXTRA [EXTRA ...]   the extras' requirements
       python tools/requirements.py --oldest            the run-time dependencies pinned at
                                                        their lower bounds

CI installs an extra's tools beside an installed fcnn without building fcnn again, and
tests the oldest NumPy and SciPy that fcnn allows.
"""

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def main(arguments):
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    if arguments == ["--oldest"]:
        for requirement in project["dependencies"]:
            name, lowest = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([^,;\s]+)", requirement).groups()
            print(f"{name}=={lowest}")
    elif arguments and not any(a.startswith("-") for a in arguments):
        extras = project["optional-dependencies"]
        for extra in arguments:
            if extra not in extras:
                sys.exit(f"no extra {extra!r} in pyproject.toml; it has {', '.join(extras)}")
            print("\n".join(extras[extra]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
