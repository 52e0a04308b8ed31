"""Copies ``knowledge/`` and ``prompts/`` into the package when a wheel is built.

They live at the repository root (the project's layout), but an installed assistant needs them too:
``assistant.knowledge`` and ``assistant.prompts`` look for ``knowledge_data`` and ``prompts_data`` inside the
package when the repository folders are not next to it. Everything else is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {"knowledge": "knowledge_data", "prompts": "prompts_data"}


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the repository folders directly
            return
        for source, target in BUNDLED.items():
            destination = Path(self.build_lib) / "assistant" / target
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(ROOT / source, destination)


setup(cmdclass={"build_py": BuildWithData})
