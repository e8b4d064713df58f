"""A generated program: its module text, parameters, sample point, and how to load it."""

from __future__ import annotations

import atexit
import importlib.util
import itertools
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_counter = itertools.count()
_directory: list[Path] = []


def _module_directory() -> Path:
    """One temporary directory per process for the modules written."""
    if not _directory:
        _directory.append(Path(tempfile.mkdtemp(prefix="symback_fuzz_")))
        atexit.register(shutil.rmtree, _directory[0], ignore_errors=True)
    return _directory[0]


def load(source: str, name: str):
    """Write `source` to a file, import it as a fresh module, return its `name`."""
    module_name = f"symback_fuzz_{next(_counter)}"
    path = _module_directory() / f"{module_name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    # one program's module registered at a time: a worker checks thousands, and each module
    # keeps its function alive, and with it the gradients made of it (3 GB after ~1,100)
    for earlier in [m for m in sys.modules if m.startswith("symback_fuzz_")]:
        del sys.modules[earlier]
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def execute(lines: list[str], params: dict, space: dict) -> dict:
    """Run a drawn program's lines (each a block) on copies of its parameters, with floating
    point trouble raised; `space` holds the modules they read. The values they leave."""
    space.update({p: np.copy(v) if np.ndim(v) else v for p, v in params.items()})
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile("\n".join(lines), "<draw>", "exec"), space)
    return space


class Drawing:
    """What a drawer of a program keeps: its statements (each a block of lines), the names each
    reads and binds, and a counter for fresh names. Values come from running what was drawn."""

    def __init__(self, rng, params: dict):
        self.rng, self.params = rng, params
        self.body: list[str] = []
        self.uses: list[tuple] = []
        self.defs: list[tuple] = []
        self.count = 0

    def fresh(self, stem: str = "v") -> str:
        self.count += 1
        return f"{stem}{self.count}"


@dataclass(frozen=True)
class Program:
    """A module defining one function `name(*params)`, and a point to differentiate it at.

    `point` holds one value per parameter (floats, or arrays for array programs); `analytic`
    says every call admits complex input, so the complex step is a valid reference.
    Straight-line programs keep their statements so a failure can be cut down (`prefix`).
    """

    source: str
    name: str
    params: tuple[str, ...]
    point: tuple
    seed: int
    size: int
    kind: str = "scalar"
    analytic: bool = False
    body: tuple[str, ...] = ()
    uses: tuple[tuple[str, ...], ...] = ()  # per statement of body: the names it reads
    defs: tuple[tuple[str, ...], ...] = ()  # ... and the names it binds
    header: str = "import math\n\nimport numpy as np\n"
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def straight_line(cls, name, params, point, body, uses, result, seed, size, analytic, **kw):
        """From statements (each a line, or a block of lines) and the expression returned."""
        header = kw.pop("header", cls.header)
        defs = kw.pop("defs", None) or [(line.split(" = ", 1)[0],) for line in body]
        lines = [f"    {line}" for stmt in body for line in stmt.split("\n")]
        lines.append(f"    return {result}")
        source = f"{header}\n\ndef {name}({', '.join(params)}):\n" + "\n".join(lines) + "\n"
        return cls(
            source,
            name,
            params,
            point,
            seed,
            size,
            body=tuple(body),
            uses=tuple(uses),
            defs=tuple(map(tuple, defs)),
            analytic=analytic,
            header=header,
            **kw,
        )

    def function(self):
        """The live function, imported from a file so symback can read its source."""
        return load(self.source, self.name)

    def truncated(self, k: int) -> Program:
        """The first k + 1 statements, returning (the sum of) every value nothing after reads."""
        read = set().union(*self.uses[: k + 1])
        unread = [d for defs in self.defs[: k + 1] for d in defs[:1] if d not in read]
        return self._with(list(range(k + 1)), unread or list(self.defs[k][:1]))

    def prefix(self, k: int) -> Program:
        """The program cut to the statements statement k depends on, returning its value."""
        wanted, needed = set(self.defs[k]), []
        for i in range(k, -1, -1):
            if wanted & set(self.defs[i]):
                needed.insert(0, i)
                wanted |= set(self.uses[i])
        return self._with(needed, list(self.defs[k][:1]))

    def _with(self, kept: list[int], returned: list[str]) -> Program:
        """The program of the statements `kept`, returning (the sum of) `returned`."""
        result = self.extra.get("result_of", lambda names: " + ".join(names))(returned)
        return Program.straight_line(
            self.name,
            self.params,
            self.point,
            [self.body[i] for i in kept],
            [self.uses[i] for i in kept],
            result,
            self.seed,
            self.size,
            self.analytic,
            header=self.header,
            kind=self.kind,
            defs=[self.defs[i] for i in kept],
            extra=self.extra,
        )
