"""The README's Python code, run as written: the notebook-sized example of its Python section
and the Gymnasium export snippet, against Gymnasium itself."""

import re

import pytest

import dynaq
from conftest import REPO

pytest.importorskip("gymnasium")
pytest.importorskip("matplotlib")


def readme_block(containing):
    text = (REPO / "README.md").read_text()
    for block in re.findall(r"^( *)```python\n(.*?)^\1```", text, flags=re.S | re.M):
        indent, code = block
        if containing in code:
            return "\n".join(line[len(indent):] for line in code.splitlines())
    raise AssertionError(f"no python block of the README holds {containing!r}")


def test_the_gymnasium_snippet_writes_a_file_dynaq_reads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_block('open("my-lake.json", "w")'), "README.md", "exec"), {})
    env = dynaq.Env.load("my-lake.json")
    assert (env.n_states, env.n_actions) == (16, 4) and env.phases[0]["max_episode_steps"] == 100
    assert env.to_json() == dynaq.Env.from_gymnasium(__import__("gymnasium").make("FrozenLake-v1"),
                                                     name="my-lake.json").to_json()


def test_the_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    exec(compile(readme_block("dynaq.run("), "README.md", "exec"), {})
    assert (tmp_path / "dynaq-python.png").stat().st_size > 0
    assert (tmp_path / "lake-runs" / "q.npy").exists() and (tmp_path / "lake-runs" / "summary.json").exists()


def test_the_example_of_help_dynaq_run_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    doc = dynaq.run.__doc__
    example = doc[doc.index("    Example"):].split("\n", 2)[2]
    code = "\n".join(line[8:] for line in example.splitlines())
    exec(compile(code, "help(dynaq.run)", "exec"), {})
    assert (tmp_path / "lake-run" / "q.npy").exists()
