"""Ctrl-C during dynaq.run: a KeyboardInterrupt between chunks, the process alive, every
finished chunk kept, and resume= finishing the run with the bytes of one never stopped."""

import os
import signal
import threading

import pytest

import dynaq
from conftest import result_bytes

LONG_RUN = dict(env="dyna-maze", planning_steps=[0, 5], seeds=6000, episodes=30, chunk_agents=200, progress=False)


def ctrl_c_after_chunks(folder, count, done):
    """Sends SIGINT to this process, as Ctrl-C does, once `count` chunk files are in `folder`."""
    while not done.is_set():
        if folder.is_dir() and sum(p.name.startswith("chunk") and ".partial-" not in p.name
                                   for p in folder.iterdir()) >= count:
            os.kill(os.getpid(), signal.SIGINT)
            return
        done.wait(0.002)


def test_ctrl_c_stops_a_run_that_resume_finishes(tmp_path):
    done = threading.Event()
    stopper = threading.Thread(target=ctrl_c_after_chunks, args=(tmp_path / "stopped" / "chunks", 2, done))
    stopper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            dynaq.run(out=tmp_path / "stopped", **LONG_RUN)
    finally:
        done.set()
        stopper.join()
    chunks = sorted(p.name for p in (tmp_path / "stopped" / "chunks").iterdir())
    assert "config.toml" in chunks
    assert 0 < len(chunks) - 1 < 60, f"{len(chunks) - 1} of 60 chunks were written before the stop"
    assert not (tmp_path / "stopped" / "curves.csv").exists()

    with pytest.raises(ValueError, match="a resumed run keeps the configuration it started with"):
        dynaq.run(resume=tmp_path / "stopped", alpha=0.5, progress=False)
    resumed = dynaq.run(resume=tmp_path / "stopped", threads=1, progress=False)
    assert resumed.summary["execution"]["chunks_resumed"] == len(chunks) - 1
    dynaq.run(out=tmp_path / "whole", **LONG_RUN)
    assert result_bytes(tmp_path / "stopped") == result_bytes(tmp_path / "whole")


def test_python_threads_run_while_the_agents_do():
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        result = dynaq.run("dyna-maze", planning_steps=50, seeds=3000, episodes=20, progress=False)
        seconds = result.summary["timings"]["wall_seconds"]
    finally:
        stop.set()
        ticker.join()
    # Holding the GIL for the run would leave the ticker a handful of ticks at most.
    assert seconds > 0.3 and len(ticks) > 10 * seconds, (len(ticks), seconds)
