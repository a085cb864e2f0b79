"""Check what python -m build made: the sdist builds and tests fcnn on its own, the wheel
carries the licences and extensions without debug information.

usage: python tools/check_dist.py SDIST WHEEL       (needs pyelftools, which auditwheel brings)

Prints what it checked; exits non-zero naming every problem found.
"""

import email.parser
import fnmatch
import io
import re
import sys
import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# What the sdist must hold, as patterns of paths under its top folder.
SDIST_NEEDS = [
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "CONTRIBUTING.md",
    "pyproject.toml",
    "setup.py",
    "src_c/_core.pyx",
    "src_c/_core_avx2.pyx",
    "src_c/*.pxd",
    "src_c/*.pxi",
    "fcnn/py.typed",
    "fcnn/data/LICENSE",
    "fcnn/data/README.md",
    "fcnn/data/train-images-idx3-ubyte.gz",
    "tests/conftest.py",
    "tests/test_*.py",
    "examples/*.py",
    "docs/*",
    "benchmarks/run.py",
    "tools/*.sh",
]
# What neither may hold: generated C, built extensions, caches.
NEVER = ["*.c", "*.so", "*.pyd", "*.o", "*.pyc", "*/__pycache__/*"]
WHEEL_NEEDS = [
    "fcnn/__init__.py",
    "fcnn/py.typed",
    "fcnn/data/LICENSE",
    "fcnn/data/t10k-images-idx3-ubyte.gz",
    "fcnn/_core.*",
    "fcnn-*.dist-info/licenses/LICENSE",
    "fcnn-*.dist-info/licenses/fcnn/data/LICENSE",
]
METADATA_NEEDS = {
    "License-Expression": "MIT AND CC-BY-SA-3.0",
    "Requires-Python": ">=3.11",
}


def source_version():
    text = (REPO / "fcnn" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def missing(names, patterns):
    return [p for p in patterns if not fnmatch.filter(names, p)]


def forbidden(names):
    return sorted({n for n in names for p in NEVER if fnmatch.fnmatch(n, p)})


def debug_sections(data):
    from elftools.elf.elffile import ELFFile

    return [
        s.name for s in ELFFile(io.BytesIO(data)).iter_sections() if s.name.startswith(".debug")
    ]


def check(sdist, wheel):
    problems = []
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        names = [n[len(top) + 1 :] for n in archive.getnames() if n.startswith(top + "/")]
    problems += [f"sdist lacks {p}" for p in missing(names, SDIST_NEEDS)]
    problems += [f"sdist holds {n}" for n in forbidden(names)]
    print(f"sdist {Path(sdist).name}: {len(names)} entries")

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        problems += [f"wheel lacks {p}" for p in missing(names, WHEEL_NEEDS)]
        problems += [
            f"wheel holds {n}" for n in forbidden(names) if not n.endswith((".so", ".pyd"))
        ]
        metadata_name = fnmatch.filter(names, "fcnn-*.dist-info/METADATA")[0]
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
        for extension in fnmatch.filter(names, "fcnn/*.so"):
            sections = debug_sections(archive.read(extension))
            size = archive.getinfo(extension).file_size
            print(f"wheel {extension}: {size / 1e6:.2f} MB, debug sections: {sections or 'none'}")
            if sections:
                problems.append(f"wheel's {extension} carries debug information: {sections}")
    for field, expected in {**METADATA_NEEDS, "Version": source_version()}.items():
        if metadata[field] != expected:
            problems.append(f"wheel METADATA {field} is {metadata[field]!r}, expected {expected!r}")
    if "Typing :: Typed" not in metadata.get_all("Classifier", []):
        problems.append("wheel METADATA lacks the classifier 'Typing :: Typed'")
    print(
        f"wheel {Path(wheel).name}: {len(names)} entries, version {metadata['Version']}, "
        f"licence {metadata['License-Expression']}"
    )
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    found = check(*sys.argv[1:])
    for problem in found:
        print("problem:", problem)
    sys.exit(1 if found else 0)
