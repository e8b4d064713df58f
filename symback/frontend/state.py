"""The lowering's state: one typed object, handed to every construct's handler explicitly."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property

from .. import ir
from ..errors import UnsupportedSyntaxError
from ..naming import Namer
from .resolve import Namespace
from .source import SourceInfo
from .syntax import bound_names, last_reads, loop_variables, written_names


@dataclass(frozen=True)
class ModuleNames:
    """How the generated code spells what it reads from outside its function: numpy, math,
    the builtins and the helpers (naming.module_names: a builtin the function hides has
    another name there)."""

    names: dict[str, str] = field(hash=False)
    helpers: tuple[str, ...] = ()  # the keys of `names` that are helpers

    @property
    def np(self) -> str:
        return self.names["np"]

    @property
    def math(self) -> str:
        return self.names["math"]

    @property
    def helper_names(self) -> dict[str, str]:
        """helper key -> its name in the module"""
        return {key: self.names[key] for key in self.helpers}

    def builtin(self, name: str) -> ast.Name:
        """Code reading the builtin `name` (`len`, or its alias where the function hides it)."""
        return ast.Name(self.names[name], ast.Load())

    @property
    def taken(self) -> set[str]:
        """Every name the module binds at top level: the function must not rebind them."""
        return set(self.names.values())


@dataclass(eq=False)
class Lowering:
    """What lowering one function knows while it walks the function's statements in order.

    A helper inlined into its caller gets a Lowering of its own (its source, names and
    environment) that shares the caller's statement list, namer and facts about values."""

    source: SourceInfo
    fdef: ast.FunctionDef
    namespace: Namespace
    modules: ModuleNames
    has_aux: bool
    user_names: set[str]  # every name the function binds
    params: list[str]
    line: int  # the user's line the statement being lowered came from
    # -- shared with the helpers inlined into the function
    namer: Namer
    body: list[ir.Statement]  # where statements go (a branch's or loop body's own list inside one)
    boolean: set[str]  # SSA names holding comparison results (no gradient)
    custom: dict[str, object]  # name in the generated code -> defgrad function
    # value -> values it may share memory with: `y = x[1:]`, `y = x.T`, `y = min(a, x)`
    views: dict[str, set[str]]
    stack_names: set[str]  # SSA names of lists used as stacks
    # value -> the operation it is a view of its base by (frontend/views.py)
    view_defs: dict[str, object]
    # constants read at call time (frontend/outside.py): each read once, at the start
    prelude: list[ir.Statement]
    constants: dict[tuple[int, str], str]  # (id of its holder, attribute) -> SSA name
    holders: dict[str, object]  # name in the generated module -> what it reads constants from
    sequences: dict[str, str]  # a tuple or list of numbers read -> its array (outside.as_array)
    lists: set[str]  # arrays made of a list written out (`v = [x, y]`: sequences.py)
    # a name bound to a call returning a tuple (`p = np.split(x, 2)`) -> its parts' names
    tuples: dict[str, tuple[str, ...]]
    # -- this function's own (a helper's, while it is inlined)
    env: dict[str, str]  # user name -> SSA name
    # user names bound to a call's parts (`p = np.split(x, 2)`: Lowering.tuples): read
    # through a merge of branches or loop iterations, they are refused (tuples.py)
    held: set[str] = field(default_factory=set)
    inlined: bool = False  # a helper's body, lowered into its caller's
    inlining: frozenset = frozenset()  # (file, line) of the helpers being inlined: recursion
    first_binding: set[str] = field(default_factory=set)  # names whose next binding renames
    loop_depth: int = 0  # how many loops enclose the statement being lowered
    loop_stops: list[str | None] = field(default_factory=list)  # per loop: its stop flag
    uses_math: bool = False  # the forward code calls the math module
    returns: tuple[str, str] | None = None  # see return_names
    # SSA names that are integers: the variables of `for ... in range(...)` (a name bound
    # elsewhere too, `k = 0; while ...: k += 1`, is an integer under these names only)
    integers: set[str] = field(default_factory=set)

    @classmethod
    def of_function(
        cls,
        source: SourceInfo,
        fdef: ast.FunctionDef,
        namespace: Namespace,
        modules: ModuleNames,
        has_aux: bool = False,
    ) -> Lowering:
        """The state at the start of lowering the function `fdef`."""
        user_names = set(bound_names(fdef))
        params = [a.arg for a in fdef.args.args + fdef.args.kwonlyargs]
        return cls(
            source,
            fdef,
            namespace,
            modules,
            has_aux,
            user_names,
            params,
            fdef.lineno,
            namer=Namer(user_names | modules.taken),
            body=[],
            boolean=set(),
            custom={},
            views={},
            stack_names=set(),
            view_defs={},
            prelude=[],
            constants={},
            holders={},
            sequences={},
            lists=set(),
            tuples={},
            env={p: p for p in params},
            first_binding=set(params),
        )

    def for_helper(
        self, source: SourceInfo, fdef: ast.FunctionDef, namespace: Namespace, key
    ) -> Lowering:
        """The state for inlining the helper `fdef` here (its parameters not bound yet)."""
        params = [a.arg for a in fdef.args.args + fdef.args.kwonlyargs]
        return Lowering(
            source,
            fdef,
            namespace,
            self.modules,
            False,
            set(bound_names(fdef)),
            params,
            self.line,  # an inlined helper's statements keep the call's line
            namer=self.namer,
            body=self.body,
            boolean=self.boolean,
            custom=self.custom,
            views=self.views,
            stack_names=self.stack_names,
            view_defs=self.view_defs,
            prelude=self.prelude,
            constants=self.constants,
            holders=self.holders,
            sequences=self.sequences,
            lists=self.lists,
            tuples=self.tuples,
            env={},
            inlined=True,
            inlining=self.inlining | {key},
            first_binding=set(params),
        )

    def fail(
        self, node: ast.AST, message: str, hint: str | None = None, kind=UnsupportedSyntaxError
    ):
        """Refuse `node`: raise a SymbackError placed at it."""
        raise kind(message, self.source.place(node), hint=hint)

    def new_version_name(self, user_name: str) -> str:
        """The SSA name for a new binding of `user_name`: itself first, then `name_1`, ..."""
        if user_name not in self.first_binding and not self.inlined:
            return user_name
        return self.namer.fresh(user_name)

    def temp(self) -> str:
        return self.namer.numbered("t")

    def bind(self, user_name: str, ssa: str) -> None:
        """`user_name` holds the value `ssa` from here on."""
        self.env[user_name] = ssa
        if ssa in self.tuples:
            self.held.add(user_name)
        else:
            self.held.discard(user_name)
        self.first_binding.add(user_name)

    def return_names(self) -> tuple[str, str]:
        """The names a `return` inside a loop assigns: (its value, whether it returned)."""
        if self.returns is None:
            self.returns = (self.namer.fresh("result"), self.namer.fresh("returned"))
        return self.returns

    @cached_property
    def written(self) -> set[str]:
        """The names of the function whose elements it writes."""
        return written_names(self.fdef.body)

    @cached_property
    def loop_variables(self) -> set[str]:
        """The function's names that are integers wherever read: loop counters."""
        return loop_variables(self.fdef)

    @cached_property
    def last_read(self) -> dict[str, int]:
        """User name -> the last line reading it (one walk, the first time it is asked)."""
        return last_reads(self.fdef)
