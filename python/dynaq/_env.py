"""dynaq.Env: the environments a run takes, as `dynaq run --env` names them.

An Env is an --env spec (a built-in name, a generator spec, a file, or a schedule of them) and,
for environments made in Python, their text under a file name: a maze from text is run as a
maze file of that name would be, and an MDP from arrays or Gymnasium as that MDP JSON file.
The results name them so, and `dynaq run --env NAME` repeats the run once env.save(NAME) has
written the file. Every environment is checked by the C++ readers when it is made; their errors
(naming the file:line:column, or the state and action) are raised as ValueError.
"""

import json
import math
import numbers
import os
import re

from dynaq import _core

# Characters that mean something else in an --env value: a list (,), a schedule (@ and =).
_RESERVED = ",@="


def builtin_environments():
    """[(name, description, example)] of every built-in environment and generator pattern."""
    return [tuple(entry) for entry in _core.builtin_environments()]


def _builtin_names():
    return {name for name, _, example in builtin_environments() if not example}


def _check_file_name(name, json_file):
    if not isinstance(name, str) or not name:
        raise ValueError(f"name: expected a non-empty file name, got {name!r}")
    bad = [c for c in _RESERVED if c in name]
    if bad:
        raise ValueError(f"name {name!r}: may not hold {' or '.join(repr(c) for c in bad)} "
                         "(they separate lists and schedule phases in --env)")
    if json_file != name.lower().endswith(".json"):
        raise ValueError(f"name {name!r}: " + ("an MDP's name must end in .json (it is run as an MDP JSON file)"
                                               if json_file else
                                               "a maze's name must not end in .json (it is run as a maze text file)"))
    if name in _builtin_names():
        raise ValueError(f"name {name!r} is a built-in environment's; choose another")


def _plain(value, what, kind):
    """A NumPy or Python scalar as the plain Python int, float or bool that JSON writes."""
    is_bool = isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", None) == "b"
    if kind is bool:
        if is_bool or isinstance(value, numbers.Integral) and int(value) in (0, 1):
            return bool(value)
    elif kind is int:
        if not is_bool and isinstance(value, numbers.Integral):
            return int(value)
        if not is_bool and isinstance(value, numbers.Real) and float(value).is_integer():
            return int(value)
    elif not is_bool and isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{what} is {number}; it must be finite")
        return number
    expected = {bool: "a boolean", int: "an integer"}.get(kind, "a number")
    raise ValueError(f"{what}: expected {expected}, got {value!r}")


class Env:
    """An environment for dynaq.run and dynaq.solve. Make one with Env.maze, Env.load,
    Env.builtin, Env.from_gymnasium or Env.from_arrays; a plain string passed to dynaq.run is
    Env.builtin's or Env.load's --env spec.

    Attributes: name (as results show it: an MDP JSON file's "name" field where it has one), spec
    (the --env spec it is read under, e.g. "FrozenLake-v1.json"; Env.save's default path), n_states, n_actions, phases (one dict per phase:
    start_step, n_states, n_actions, max_episode_steps (0: none), deterministic), warnings.
    """

    def __init__(self, spec, texts=None):
        self._spec = spec
        self.spec = spec
        self._texts = dict(texts or {})
        info = _core.environment_info(spec, self._texts)
        self.name = info["name"]
        self.n_states = info["n_states"]
        self.n_actions = info["n_actions"]
        self.phases = list(info["phases"])
        self.warnings = list(info["warnings"])

    def __repr__(self):
        return f"dynaq.Env({self.name!r}: {self.n_states} states x {self.n_actions} actions)"

    # ---- Making environments -------------------------------------------------------------

    @classmethod
    def maze(cls, text, name="maze.txt"):
        """A maze from its text: one row per line, '#' wall, '.' free, 'S' start (exactly one),
        'G' goal (one or more). It is run as a maze file called `name`."""
        if not isinstance(text, str):
            raise ValueError(f"maze text: expected a str, got {type(text).__name__}")
        _check_file_name(name, json_file=False)
        return cls(name, {name: text})

    @classmethod
    def load(cls, path):
        """A maze text file, or a tabular MDP JSON file (*.json)."""
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise ValueError(f"{path}: cannot read: no such file")
        if path in _builtin_names():
            path = os.path.join(".", path)  # a file, not the built-in of the same name
        return cls(path)

    @classmethod
    def builtin(cls, spec):
        """A built-in environment ("dyna-maze", "taxi", ...; dynaq.builtin_environments()) or a
        generator spec ("random-maze:20x20:7", "garnet:100:4:3:7", "dyna-maze:2")."""
        if not isinstance(spec, str):
            raise ValueError(f"builtin: expected a name, got {spec!r}")
        if spec not in _builtin_names() and "@" not in spec and os.path.exists(spec):
            raise ValueError(f"{spec!r} is a file, not a built-in environment; use dynaq.Env.load")
        return cls(spec)

    @classmethod
    def from_table(cls, P, n_states, n_actions, initial_state_distribution, max_episode_steps=None,
                   name="mdp.json"):
        """An MDP from Gymnasium's `P` convention: P[s][a] is a list of (probability, next_state,
        reward, terminated); P may be a list or a dict keyed by state and action. NumPy scalars
        are accepted anywhere."""
        _check_file_name(name, json_file=True)
        n_states = _plain(n_states, "n_states", int)
        n_actions = _plain(n_actions, "n_actions", int)
        table = []
        for s in range(n_states):
            try:
                row = P[s]
            except (KeyError, IndexError, TypeError):
                raise ValueError(f"P[{s}] is missing: P needs n_states = {n_states} entries") from None
            actions = []
            for a in range(n_actions):
                try:
                    outcomes = row[a]
                except (KeyError, IndexError, TypeError):
                    raise ValueError(f"P[{s}][{a}] is missing: each P[s] needs n_actions = {n_actions} entries") from None
                listed = []
                for k, outcome in enumerate(outcomes):
                    where = f"P[{s}][{a}][{k}]"
                    if len(outcome) != 4:
                        raise ValueError(f"{where}: expected (probability, next_state, reward, terminated), "
                                         f"got {len(outcome)} values")
                    p, nxt, r, term = outcome
                    listed.append([_plain(p, where + " probability", float), _plain(nxt, where + " next_state", int),
                                   _plain(r, where + " reward", float), _plain(term, where + " terminated", bool)])
                actions.append(listed)
            table.append(actions)
        initial = [_plain(p, f"initial_state_distribution[{i}]", float)
                   for i, p in enumerate(initial_state_distribution)]
        document = {"name": name[:-5], "n_states": n_states, "n_actions": n_actions,
                    "initial_state_distribution": initial}
        if max_episode_steps is not None:
            document["max_episode_steps"] = _plain(max_episode_steps, "max_episode_steps", int)
        document["P"] = table
        try:
            return cls(name, {name: _json_text(document)})
        except ValueError as error:
            # A position in text made here means nothing to the caller; the message names P[s][a].
            raise ValueError(re.sub(r"^(" + re.escape(name) + r"):\d+:\d+: ", r"\1: ", str(error))) from None

    @classmethod
    def from_gymnasium(cls, env, name=None):
        """A Gymnasium toy-text environment (FrozenLake, CliffWalking, Taxi, or any env whose
        unwrapped form has a tabular `P`): its `P`, start distribution and registered step limit
        (env.spec.max_episode_steps). Named after its id, e.g. "FrozenLake-v1.json"."""
        base = getattr(env, "unwrapped", env)
        if not hasattr(base, "P"):
            raise ValueError(f"{type(base).__name__} has no tabular P (toy-text environments have one)")
        spec = getattr(env, "spec", None)
        if name is None:
            name = (spec.id if spec is not None else type(base).__name__) + ".json"
        n_states = base.observation_space.n
        initial = getattr(base, "initial_state_distrib", None)
        if initial is None:
            raise ValueError(f"{type(base).__name__} has no initial_state_distrib; use dynaq.Env.from_table")
        return cls.from_table(base.P, n_states, base.action_space.n, initial,
                              max_episode_steps=spec.max_episode_steps if spec is not None else None, name=name)

    @classmethod
    def from_arrays(cls, transitions, rewards, initial_state_distribution, terminal=None, max_episode_steps=None,
                    name="arrays.json"):
        """An MDP from NumPy arrays, S states and A actions:

        transitions  (S, A, S) float: transitions[s, a, s2] = P(s2 | s, a); each [s, a] sums to 1
        rewards      (S, A, S) or (S, A) float: the reward of the transition (finite)
        initial_state_distribution  (S,) float, summing to 1
        terminal     None, (S,) bool (entering s2 ends the episode), or (S, A, S) bool
        max_episode_steps  None (no limit) or the step limit

        Outcomes of probability 0 are left out; the rest are listed in next-state order."""
        import numpy as np
        _check_file_name(name, json_file=True)
        T = np.asarray(transitions, dtype=float)
        if T.ndim != 3 or T.shape[0] != T.shape[2] or T.shape[0] == 0 or T.shape[1] == 0:
            raise ValueError(f"transitions: expected shape (S, A, S), got {T.shape}")
        S, A, _ = T.shape
        R = np.asarray(rewards, dtype=float)
        if R.shape == (S, A):
            R = np.repeat(R[:, :, None], S, axis=2)
        if R.shape != (S, A, S):
            raise ValueError(f"rewards: expected shape ({S}, {A}, {S}) or ({S}, {A}), got {R.shape}")
        if terminal is None:
            D = np.zeros((S, A, S), dtype=bool)
        else:
            D = np.asarray(terminal)
            if D.shape == (S,):
                D = np.broadcast_to(D[None, None, :], (S, A, S))
            if D.shape != (S, A, S):
                raise ValueError(f"terminal: expected shape ({S},) or ({S}, {A}, {S}), got {D.shape}")
            D = D.astype(bool)
        initial = np.asarray(initial_state_distribution, dtype=float)
        if initial.shape != (S,):
            raise ValueError(f"initial_state_distribution: expected shape ({S},), got {initial.shape}")
        for what, array in (("transitions", T), ("rewards", R), ("initial_state_distribution", initial)):
            bad = np.argwhere(~np.isfinite(array))
            if len(bad):
                index = ", ".join(str(int(i)) for i in bad[0])
                raise ValueError(f"{what}[{index}] is {array[tuple(bad[0])]}; it must be finite")
        negative = np.argwhere(T < 0)
        if len(negative):
            s, a, s2 = (int(i) for i in negative[0])
            raise ValueError(f"transitions[{s}, {a}, {s2}] is {T[s, a, s2]}; probabilities must be >= 0")
        P = [[[[float(T[s, a, s2]), s2, float(R[s, a, s2]), bool(D[s, a, s2])] for s2 in np.flatnonzero(T[s, a])]
              for a in range(A)] for s in range(S)]
        return cls.from_table(P, S, A, initial.tolist(), max_episode_steps=max_episode_steps, name=name)

    # ---- Using them ------------------------------------------------------------------------

    def then(self, other, at_step):
        """A schedule: this environment until real step `at_step`, then `other` (same shape).
        Agents keep their Q-table and model; chain .then(...) for more phases."""
        other = _as_env(other)
        at_step = _plain(at_step, "at_step", int)
        texts = dict(self._texts)
        for key, text in other._texts.items():
            if texts.get(key, text) != text:
                raise ValueError(f"two different environments are named {key!r}; give one another name")
            texts[key] = text
        return Env(f"{self._spec}@{at_step}={other._spec}", texts)

    def to_json(self, phase=0):
        """The environment (one phase of a schedule) as tabular MDP JSON text."""
        return _core.environment_json(self._spec, self._texts, phase)

    def save(self, path=None):
        """Writes the environment where `dynaq run --env` reads it: a maze made from text as that
        text, anything else as MDP JSON (a schedule's phases are not one file: save each). `path`
        defaults to the environment's spec."""
        path = os.fspath(path) if path is not None else self.spec
        if self._spec in self._texts:
            text = self._texts[self._spec]
        elif "@" in self._spec:
            raise ValueError(f"{self.name} is a schedule of {len(self.phases)} phases; save each phase's environment")
        else:
            text = self.to_json()
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        return path


def _json_text(document):
    # json writes floats in their shortest round-trip form, which the reader reads back exactly.
    return json.dumps(document, allow_nan=False, separators=(",", ":"))


def _as_env(value):
    if isinstance(value, Env):
        return value
    if isinstance(value, (str, os.PathLike)):
        spec = os.fspath(value)
        return Env(spec)
    raise ValueError(f"expected a dynaq.Env or an --env spec, got {type(value).__name__}")
