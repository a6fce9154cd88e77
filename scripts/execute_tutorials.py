"""Execute the tutorials in place and save them as learners and static pages should see them.

Outputs are kept (GitHub and nbconvert show every widget's PNG fallback and summary; nbval
compares the cells marked ``# NBVAL_CHECK_OUTPUT``); the stored widget state is dropped,
because with it nbconvert renders script-only widget views instead of the pictures.

    python scripts/execute_tutorials.py                      # all tutorials
    python scripts/execute_tutorials.py tutorials/01_*.ipynb # some
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "tutorials").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: executed in {execute(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
