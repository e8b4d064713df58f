"""Every name the generated code binds, chosen here so that none collides with the user's."""

from __future__ import annotations

import keyword


class Namer:
    """Hands out fresh, deterministic names that avoid every name already taken."""

    def __init__(self, taken):
        self._taken = set(taken) | set(keyword.kwlist) | {"None", "True", "False"}
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

    def adjoint(self, name: str) -> str:
        """The name of the gradient with respect to `name`."""
        return self.fresh(f"d_{name}")
