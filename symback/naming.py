"""Every name the generated code binds or reads from outside, chosen here so that none collides with the user's."""

from __future__ import annotations

import builtins
import keyword

# Python's builtins, each a name generated code may read (`reversed(range(len(s)))`,
# `dtype=float`, `raise ValueError(...)`, the user's own `min(a, b)` printed back). A name
# the generated function binds must not hide one: generated names never take one, and
# where the user's function binds one (a parameter `len`), the module reads the builtin
# through an alias (`len_1 = len` at its top; see `module_names`).
BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))


class Namer:
    """Hands out fresh, deterministic names that avoid every name already taken (and
    every builtin's)."""

    def __init__(self, taken):
        self._taken = set(taken) | set(keyword.kwlist) | BUILTIN_NAMES
        self._next: dict[str, int] = {}  # per prefix: where numbering resumes (keeps it linear)

    def reserve(self, name: str) -> str:
        self._taken.add(name)
        return name

    def fresh(self, base: str) -> str:
        """`base` if it is free, else `base_1`, `base_2`, ..."""
        if base not in self._taken:
            return self.reserve(base)
        i = 1
        while f"{base}_{i}" in self._taken:
            i += 1
        return self.reserve(f"{base}_{i}")

    def numbered(self, prefix: str) -> str:
        """`prefix1`, `prefix2`, ...: the first free one."""
        i = self._next.get(prefix, 1)
        while f"{prefix}{i}" in self._taken:
            i += 1
        self._next[prefix] = i + 1
        return self.reserve(f"{prefix}{i}")

    def unused(self) -> str:
        """The variable of a loop whose body does not read it: `_`, unless the function
        binds `_` itself (then a fresh name, not to overwrite the function's `_`)."""
        return "_" if "_" not in self._taken else self.fresh("unused")

    def adjoint(self, name: str) -> str:
        """The name of the gradient with respect to `name`."""
        return self.fresh(f"d_{name}")


def module_names(local_names, helpers=()) -> dict[str, str]:
    """How the generated module spells each name it reads from outside its functions:
    numpy (`np`), math, every builtin, and each of its `helpers` (`_unbroadcast`).

    Each is its usual name, unless one of `local_names` (the names the generated functions
    bind: the user's parameters and variables) is that name: then it is a fresh one (a
    parameter `np`: `import numpy as np_1`; a parameter `len`: `len_1`, which the module
    binds to the builtin, see `aliases`). Only names bound inside the functions can hide
    them: every outside name the user's function reads is resolved when the code is
    generated and printed in this canonical form.
    """
    local = set(local_names)
    namer = Namer(local)
    names = {"np": namer.fresh("np"), "math": namer.fresh("math")}
    names["special"] = namer.fresh("special")  # scipy.special, where the function calls it
    names.update({b: namer.fresh(b) if b in local else b for b in sorted(BUILTIN_NAMES)})
    names.update({helper: namer.fresh("_" + helper) for helper in helpers})
    # the array-API target's (backend/array_api.py): the namespace and the package finding it
    names["xp"] = namer.fresh("xp")
    names["array_api_compat"] = namer.fresh("array_api_compat")
    return names


def aliases(names: dict[str, str], read) -> list[str]:
    """The module's statements binding each builtin hidden in its functions to the name they
    read it by (`len_1 = len`), for those the functions read (`read`: names read)."""
    return [
        f"{alias} = {b}"
        for b, alias in names.items()
        if b in BUILTIN_NAMES and alias != b and alias in read
    ]
