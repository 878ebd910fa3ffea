"""Ships `forms/` and `migrations/` inside the wheel, as `app/_data/` (see app/resources.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("forms", "migrations")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's folders directly
        root = Path(__file__).resolve().parent
        for name in SHIPPED:
            target = Path(self.build_lib) / "app" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)  # no stale file of an earlier build (a renamed revision)
            shutil.copytree(
                root / name,
                target,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildWithData})
