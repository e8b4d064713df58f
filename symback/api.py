"""The public entry points: grad and value_and_grad, their caching and their `.source`."""

from __future__ import annotations

import functools
import inspect
import os
import threading

import numpy

from . import ieee
from .arguments import refuse_unsupported, suspicious
from .backend.fmt import black_format
from .backend.load import load
from .collector import paused_gc
from .errors import SymbackError, WrtError
from .foreign import array_api_function, other_arrays
from .frontend.resolve import recording
from .frontend.source import function_source
from .ir import live_holders
from .pipeline import Generated, Options, generate
from .specialise import describe, link, specialised
from .tree_calls import NOT_TREE, reads_trees, tree_call, wrt_names

# Each function's gradients are kept in its own __dict__ (under _TABLE, keyed by what was
# asked), and each gradient holds its function: a cycle the garbage collector frees once
# the user holds neither, so that the cache is only as large as what is in use.
_TABLE = "__symback_gradients__"
_epoch = object()  # part of every key: a new one (in tests) makes every gradient anew
_cache_lock = threading.Lock()
# Specialise gradients to their arguments' shapes (SYMBACK_SPECIALISE=0 turns it off), up to
# this many kinds of arguments per gradient; beyond, the general code runs for every call.
SPECIALISE = os.environ.get("SYMBACK_SPECIALISE", "1") != "0"
MAX_SPECIALISED = 8
_UNSEEN = object()


class GradientFunction:
    """A generated gradient: call it like the original function; `.source` shows its code."""

    def __init__(self, fn, options: Options, generated: Generated | None, reads=()):
        self._user = fn
        self._options = options
        self._lock = threading.RLock()  # one thread at a time makes a specialisation
        self._tree_calls: dict = {}  # structure of the tree arguments -> tree_calls.TreeCall
        for attr in functools.WRAPPER_ASSIGNMENTS:
            if hasattr(fn, attr):
                setattr(self, attr, getattr(fn, attr))
        if generated is None:
            self._defer(reads)
        else:
            self._load(generated, reads)

    def _defer(self, reason: SymbackError) -> None:
        """The function reads a parameter as a tree (`p["W"]`, `p.W`, `for W, b in
        layers`): its code is made per structure, at calls passing trees (tree_calls.py),
        and the general code only at the first call passing none (`reason`: why there is
        no code to show before a call)."""
        self._specialised, self._last, self._reads = {}, None, ()
        self._past_limit = True  # (nothing to specialise: no general code yet)
        self._array_api = None  # (Generated, function) for other libraries' arrays (foreign.py)
        self.generated = None
        self._reason = reason

        def general(*args, **kwargs):
            with self._lock:
                if self.generated is None:
                    self._load(*_generate(self._user, self._options))
            return self._dispatch(args, kwargs)

        self._fn = general
        self._signature = inspect.signature(self._user)
        self.wrt = wrt_names(self._user, self._options.wrt)
        self.__name__ = self.__qualname__ = f"grad_{getattr(self._user, '__name__', 'f')}"

    def _load(self, generated: Generated, reads) -> None:
        """Take `generated` as this gradient's code; `reads`: the outside values it holds."""
        namespace = load(generated.text, generated.function_name)
        namespace.update(generated.lowered.custom)  # functions registered with defgrad
        namespace.update(live_holders(generated.lowered))  # where it reads constants from
        for name, key in generated.helpers:  # so that symback can differentiate this code too
            if name in namespace:  # (a helper no remaining line calls is not emitted)
                namespace[name].__symback_helper__ = key
        self._specialised: dict = {}  # argument description -> function (None: general)
        self._last = None  # the specialised function made last: the end of the chain
        self._past_limit = False  # more kinds of arguments than MAX_SPECIALISED were seen
        self._reads = tuple(reads)
        self._numpy_code = None  # the general code in NumPy arithmetic (ieee.py), when needed
        self._array_api = None  # (Generated, function) for other libraries' arrays (foreign.py)
        self.generated = generated
        self._fn = namespace[generated.function_name]
        self.__symback_function__ = self._fn  # what symback differentiates for grad(grad(f))
        self.__name__ = self.__qualname__ = generated.function_name
        self.wrt = generated.wrt
        self._signature = inspect.signature(self._fn)
        if getattr(type(self), "_fast", False):  # back to the class that calls _dispatch
            self.__class__ = type(self).__bases__[0]

    @property
    def __wrapped__(self):
        """The function differentiated."""
        return self._user

    def __call__(self, *args, **kwargs):
        return self._dispatch(args, kwargs)

    def _dispatch(self, args, kwargs, failed=None):
        """The general path: the first call with arguments of new types or shapes makes a
        specialised function for them (specialise.py); the first one made is what calling
        this object runs from then on, with no Python in between. Each one made passes the
        arguments its guard turns away to the next one made, and the last to this path, with
        `failed=TURNED_AWAY`: every specialisation made so far has turned them away. Past
        MAX_SPECIALISED kinds of arguments, every call runs the general code directly.

        `failed` is the description of arguments whose specialisation handed them back (where
        `math` raised), or TURNED_AWAY: either way, none made so far is tried again."""
        if self._reads and not all(read.holds() for read in self._reads):
            self._refresh()
        if suspicious(args, kwargs):
            made = tree_call(self, args, kwargs, _make)
            if made is not NOT_TREE:
                return made
            self._refuse(args, kwargs)
        if other_arrays(args, kwargs):  # Dask, torch, ...: the array-API code
            return self._run_array_api(args, kwargs)
        fn = self._fn
        if SPECIALISE and not self._past_limit:
            fn = self._specialisation(args, kwargs, failed) or fn
        return self._run(fn, args, kwargs)

    def _run(self, fn, args, kwargs):
        """Call generated code; what it raises, as the user should see it (ieee.py): its
        messages as SymbackErrors, NumPy's answer where Python's float arithmetic raises."""
        try:
            return fn(*args, **kwargs)
        except SymbackError:  # (from the general code, where a specialised one handed over)
            raise
        except (*ieee.FLOAT_ERRORS, numpy.linalg.LinAlgError) as exc:
            return ieee.after_error(self, exc, args, kwargs)

    def _made_array_api(self):
        """(Generated, function): the array-API gradient, made at the first call needing it."""
        if self._array_api is None:
            with self._lock:
                if self._array_api is None:
                    self._array_api = array_api_function(self._user, self._options, _generate)
        return self._array_api

    def _run_array_api(self, args, kwargs):
        """The array-API gradient; its own check that the value is a scalar raised as the
        NumPy code's is."""
        fn = self._made_array_api()[1]
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            if str(exc).startswith("symback: "):
                return ieee.after_error(self, exc, args, kwargs)
            raise

    @property
    def array_api_source(self) -> str:
        """The array-API module (for arrays of other libraries), black-formatted."""
        return black_format(self._made_array_api()[0].text)

    def _refresh(self) -> None:
        """Generate again: a number or helper the code holds was changed since (`m.K = 5.0`)."""
        with self._lock:
            if all(read.holds() for read in self._reads):
                return  # (another thread did it)
            self._load(*_generate(self._user, self._options))

    def _refuse(self, args, kwargs) -> None:
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError:
            return  # the general function raises the usual TypeError
        refuse_unsupported(bound.arguments, self.wrt, self._parameter_place)

    def _parameter_place(self, name: str):
        """Where parameter `name` is written in the function's `def`, if it can be read."""
        try:
            _, source, fdef = function_source(self.__wrapped__)
        except (SymbackError, TypeError):
            return None
        args = fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs
        return next((source.place(a) for a in args if a.arg == name), None)

    def _specialisation(self, args, kwargs, failed):
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError:
            return None  # the general function raises the usual TypeError
        bound.apply_defaults()
        key = describe(self.generated.lowered.params, bound.arguments)
        if key is None or key == failed or failed is TURNED_AWAY and key in self._specialised:
            return None
        made = self._specialised.get(key, _UNSEEN)
        if made is _UNSEEN:
            with self._lock:  # threads racing on a first call make one specialisation
                made = self._specialised.get(key, _UNSEEN)
                if made is _UNSEEN:
                    made = self._specialise(key, bound.arguments)
        return made

    def _specialise(self, key, arguments):
        """Make, record and chain the specialisation for arguments described by `key`."""
        if len(self._specialised) >= MAX_SPECIALISED:
            # As many kinds of arguments as that: no chain of guards to try first, but a
            # table of the kinds specialised, looked up by their description.
            self._past_limit = True
            self._install(_by_description(self))
            return None
        general = functools.partial(_general_call, self, key)
        onward = functools.partial(_general_call, self, TURNED_AWAY)
        try:
            made = specialised(self.generated, arguments, key, general, onward)
        except Exception:  # never worse than the general code, which already works
            made = None  # (tests/test_specialise.py checks that every zoo entry specialises)
        self._specialised[key] = made
        if made is not None:
            if self._last is not None:
                link(self._last, made)  # the end of the chain of guards
            self._last = made
            if type(self) is GradientFunction:
                # Calls go straight to the first one made (after a check that the outside
                # values the gradient holds are unchanged, if it holds any).
                self._install(made if not self._reads else _checking(self, made))
        return made

    def _install(self, call) -> None:
        """Make `call` what calling this object runs: its own class's __call__."""
        base = type(self).__bases__[0] if getattr(type(self), "_fast", False) else type(self)
        fast = {"__call__": staticmethod(call), "__doc__": self.__doc__, "_fast": True}
        self.__class__ = type("GradientFunction", (base,), fast)

    @property
    def specialised_source(self) -> str | None:
        """The code the first call specialised to its arguments' shapes, if any."""
        made = next((f for f in self._specialised.values() if f is not None), None)
        if made is None and self._tree_calls:
            return list(self._tree_calls.values())[-1].inner.specialised_source
        return None if made is None else black_format(made.__symback_source__)

    @property
    def source(self) -> str:
        """The generated module, black-formatted; for a function of parameter trees, the
        code for the last structure of trees passed (one parameter per leaf)."""
        if self._tree_calls:
            return list(self._tree_calls.values())[-1].inner.source
        if self.generated is None:
            raise self._reason
        return black_format(self.generated.text)

    @property
    def function(self):
        """The generated Python function itself (no wrapper)."""
        return self._fn

    def __repr__(self) -> str:
        return f"<symback {self.__name__} wrt {', '.join(self.wrt)}>"


# `failed` where every specialisation made so far turned the arguments away
TURNED_AWAY = object()


def _general_call(gradient: GradientFunction, failed, *args, **kwargs):
    """Where a specialised function sends a call it cannot answer (`failed` is its
    arguments' description) or, the last one made, the arguments no guard let through."""
    return gradient._dispatch(args, kwargs, failed)


def _checking(gradient: GradientFunction, made):
    """`made`, called once the outside values the gradient holds are checked unchanged."""
    reads = gradient._reads

    def call(*args, **kwargs):
        for read in reads:
            if not read.holds():
                return gradient._dispatch(args, kwargs)
        return made(*args, **kwargs)

    return call


def _by_description(gradient: GradientFunction):
    """Past the limit: a call whose arguments (all given by position) are of a kind
    specialised runs that code; any other runs the general code, with no specialisation
    looked for. The cost over the general code is a table lookup, keyed by the arguments'
    shapes and dtypes (arrays) or types (the rest, whose kinds go on by the slower path)."""
    table = {}
    for description, made in gradient._specialised.items():
        if made is not None and all(kind in (numpy.ndarray, float) for _, kind, _ in description):
            key = tuple(
                detail if kind is numpy.ndarray else kind for _, kind, detail in description
            )
            table[key] = made
    params = gradient.generated.lowered.params
    checked = all(p.kind == "positional" for p in params) and not gradient._reads
    count, general, run = len(params), gradient._fn, gradient._run
    ndarray = numpy.ndarray

    def call(*args, **kwargs):
        if checked and not kwargs and len(args) == count:
            key = tuple(
                [(a.shape, a.dtype) if a.__class__ is ndarray else a.__class__ for a in args]
            )
            made = table.get(key)
            if made is not None:
                return made(*args)
            # (nothing to refuse, no outside value to check, no other library's arrays)
            if not (suspicious(args, kwargs) or other_arrays(args, kwargs)):
                return run(general, args, kwargs)
        return gradient._dispatch(args, kwargs)

    return call


def _generate(fn, options: Options):
    """(the generated code, the outside values it holds) for `fn`."""
    reads = []
    if isinstance(fn, GradientFunction):  # grad(grad(f)): of code symback can read back
        if fn._reads and not all(read.holds() for read in fn._reads):
            fn._refresh()
        reads += fn._reads  # (f's numbers are in its gradient's code, and so in this one's)
        fn = _differentiable_again(fn)
    with recording() as read, paused_gc():
        generated = generate(fn, options)
    return generated, reads + read


def _make(fn, options: Options) -> GradientFunction:
    """The gradient of `fn`, from its table if it was made before."""
    key = (_epoch, id(fn), repr(options.wrt), options.value_too, options.has_aux)
    key += (options.writes_as_copies, options.trees)
    table = getattr(fn, "__dict__", None)
    table = table.get(_TABLE, {}) if isinstance(table, dict) else {}
    made = table.get(key)
    if made is None or made._user is not fn:  # (a functools.wraps wrapper copies the table)
        tree = not options.trees and reads_trees(fn, options.wrt, strong=True)
        if tree:
            made = GradientFunction(fn, options, None, tree)
        else:
            try:
                made = GradientFunction(fn, options, *_generate(fn, options))
            except SymbackError as error:  # (`for W, b in layers`: not code for an array)
                if options.trees or not reads_trees(fn, options.wrt, strong=False):
                    raise
                made = GradientFunction(fn, options, None, error)
        with _cache_lock:
            if isinstance(getattr(fn, "__dict__", None), dict):
                made = vars(fn).setdefault(_TABLE, {}).setdefault(key, made)
    return made


def grad(fn=None, *, wrt=0, has_aux: bool = False, argnums=None):
    """The gradient of `fn` with respect to `wrt` (a parameter name, index, or tuple of them;
    `argnums`, JAX's spelling, takes an index or a tuple of indices).

    Usable as `symback.grad(f)`, `@symback.grad` and `@symback.grad(wrt="w")`.
    """
    wrt = spelled_wrt(wrt, argnums)
    if fn is None:
        return lambda f: grad(f, wrt=wrt, has_aux=has_aux)
    return _make(fn, Options(wrt=wrt, value_too=False, has_aux=has_aux))


def defgrad(*adjoints):
    """Give symback the derivative of a function it cannot see into (a C extension, a solver).

        @symback.defgrad(lambda g, x, y: g * y, lambda g, x, y: g * x)
        def product(x, y):
            return compiled_product(x, y)

    One adjoint per parameter, each called as adjoint(g, *args) with g the gradient of the
    function's output: it returns the gradient with respect to that parameter. The gradient
    code then calls the function and the adjoints by name: it runs where they are defined (in
    memory, through symback.grad), not as a standalone module.
    """

    def register(fn):
        fn.__symback_adjoints__ = tuple(adjoints)
        return fn

    return register


def spelled_wrt(wrt, argnums):
    """`wrt`, or JAX's spelling of it, `argnums` (an index or a tuple of indices)."""
    if argnums is None:
        return wrt
    if wrt != 0:
        raise WrtError("give wrt= or argnums=, not both", hint="argnums=1 means wrt=1")
    items = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    if any(isinstance(i, bool) or not isinstance(i, int) for i in items):
        raise WrtError(
            f"argnums must be an int or a tuple of ints, not {argnums!r}",
            hint="use wrt= to name parameters",
        )
    return tuple(argnums) if isinstance(argnums, (tuple, list)) else argnums


def _differentiable_again(first: GradientFunction) -> GradientFunction:
    """The gradient as code symback can differentiate: the same one, or, where the function
    writes into array elements, one generated with the writes as copies (its undo log is a
    list of overwritten elements, which a second derivative cannot go through)."""
    from .ir import Write, every_statement

    tree = reads_trees(first._user, first.wrt, strong=True)
    if tree is not None:  # (its general code reads the tree as an array)
        raise SymbackError(
            "second derivatives of a function of a parameter tree are not supported",
            tree.place,
            hint="give the leaves their own array parameters",
        )
    if first.generated is None:  # code made per structure of parameter trees only so far
        with first._lock:
            if first.generated is None:  # (its error, if the function reads a tree)
                first._load(*_generate(first._user, first._options))
    body = first.generated.lowered.body
    if not any(isinstance(s, Write) for s in every_statement(body)):
        return first
    spec = first.generated.spec
    options = Options(
        wrt=first.wrt if len(first.wrt) > 1 or not spec.single else first.wrt[0],
        value_too=spec.value_too,
        has_aux=first.generated.lowered.aux is not None,
        writes_as_copies=True,
    )
    return _make(first.__wrapped__, options)


def value_and_grad(fn=None, *, wrt=0, has_aux: bool = False, argnums=None):
    """Like grad, but the generated function returns `(value, gradient)`."""
    wrt = spelled_wrt(wrt, argnums)
    if fn is None:
        return lambda f: value_and_grad(f, wrt=wrt, has_aux=has_aux)
    return _make(fn, Options(wrt=wrt, value_too=True, has_aux=has_aux))
