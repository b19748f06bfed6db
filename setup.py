"""The one build step that pyproject.toml cannot declare: the bundled example goes into the wheel.

``examples/kz-2023`` (Kazakhstan 2023, what ``saylau demo`` serves) lives once in the repository,
beside its generator ``build.py``. A wheel gets a copy of its data files as package data,
``saylau/data/kz-2023``, which ``saylau.demo.example()`` looks for first; the scripts beside them
are not copied. An editable install copies nothing: the demo reads the checkout's folder.
MANIFEST.in puts the folder in the sdist, so a wheel built from the sdist has it too.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

EXAMPLE = Path(__file__).resolve().parent / "examples" / "kz-2023"
TARGET = ("saylau", "data", "kz-2023")
PATTERNS = ("*.toml", "*.csv", "*.csv.gz", "*.md", "protocols/*.csv.gz")  # as in MANIFEST.in


def example_files() -> list[Path]:
    files = sorted({f for pattern in PATTERNS for f in EXAMPLE.glob(pattern) if f.is_file()})
    if not (EXAMPLE / "election.toml").is_file():
        raise SystemExit(f"setup.py: the bundled example is missing ({EXAMPLE}/election.toml)")
    return files


class BuildPy(build_py):
    """build_py, then the example's data files into the build's saylau/data/kz-2023."""

    def _example_copies(self) -> list[tuple[Path, Path]]:
        target = Path(self.build_lib, *TARGET)
        return [(f, target / f.relative_to(EXAMPLE)) for f in example_files()]

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source, dest in self._example_copies():
            self.mkpath(str(dest.parent))
            self.copy_file(str(source), str(dest))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return [*outputs, *(str(dest) for _, dest in self._example_copies())]


setup(cmdclass={"build_py": BuildPy})
