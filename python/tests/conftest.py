"""Shared helpers of the Python module's tests: the command line built from the same tree, to
compare a run from Python with the same run from `dynaq run` byte for byte."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def dynaq_cli():
    """Runs build/dynaq (or $DYNAQ_CLI) with arguments, in a folder; returns stdout."""
    binary = pathlib.Path(os.environ.get("DYNAQ_CLI", REPO / "build" / "dynaq"))
    if not binary.is_file():
        pytest.skip(f"the command line is not built ({binary}); scripts/setup.sh builds it")

    def call(args, cwd):
        done = subprocess.run([str(binary), *map(str, args)], cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, f"dynaq {' '.join(map(str, args))} failed:\n{done.stderr}"
        return done.stdout

    return call


def result_bytes(folder):
    """Every result file's bytes, summary.json without what depends on the execution."""
    folder = pathlib.Path(folder)
    files = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            files[path.name + "/"] = sorted(p.name for p in path.iterdir())
        elif path.name == "summary.json":
            summary = json.loads(path.read_text())
            for key in ("execution", "timings"):
                summary.pop(key)
            files[path.name] = summary
        else:
            files[path.name] = path.read_bytes()
    return files
