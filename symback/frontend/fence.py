"""The fence: a whitelist of the Python syntax symback differentiates, checked before lowering."""

from __future__ import annotations

import ast

from ..errors import UnsupportedSyntaxError
from .source import SourceInfo
from .syntax import is_add_at, is_push

_NOT_YET = "it is planned; until then"

# Node type -> (what it is, hint). Anything neither here nor in ALLOWED is refused generically.
REFUSED: dict[type, tuple[str, str]] = {
    ast.Lambda: ("a lambda expression", "define the function with `def` at module level"),
    ast.SetComp: ("a set comprehension", "write the computation with NumPy array operations"),
    ast.DictComp: ("a dict comprehension", "write the computation with NumPy array operations"),
    ast.Try: ("a try statement", "move error handling outside the function you differentiate"),
    ast.With: ("a with statement", "move the context manager outside the differentiated function"),
    ast.Global: ("a global statement", "pass the value in as a parameter and return results"),
    ast.Nonlocal: ("a nonlocal statement", "pass the value in as a parameter"),
    ast.Delete: ("a del statement", "remove it: values go out of scope by themselves"),
    ast.Import: ("an import inside the function", "import at module level"),
    ast.ImportFrom: ("an import inside the function", "import at module level"),
    ast.Raise: ("a raise statement", "check inputs before calling the gradient"),
    ast.Yield: ("yield", "a generator has no single output to differentiate"),
    ast.YieldFrom: ("yield from", "a generator has no single output to differentiate"),
    ast.Await: ("await", "differentiate a plain (not async) function"),
    ast.AsyncFunctionDef: ("an async function", "differentiate a plain function"),
    ast.FunctionDef: ("a nested function definition", "define helpers at module level"),
    ast.ClassDef: ("a class definition", "define classes at module level"),
    ast.JoinedStr: ("an f-string", "strings have no derivative; remove it"),
    ast.Dict: ("a dict literal", "pass values as separate parameters"),
    ast.Set: ("a set literal", "pass values as separate parameters"),
    ast.Starred: ("a starred expression", "pass arguments explicitly"),
    ast.NamedExpr: ("an assignment expression (:=)", "use a separate assignment statement"),
    ast.BoolOp: ("and / or", "use np.logical_and / np.logical_or, or & and | on comparisons"),
    ast.LShift: ("a bit shift", "bit operations have no derivative"),
    ast.RShift: ("a bit shift", "bit operations have no derivative"),
    ast.BitXor: ("^ (xor)", "use ** for powers; ^ is bitwise xor in Python"),
    ast.Not: ("not", "use np.logical_not"),
    ast.Is: ("is", "compare values with == instead"),
    ast.IsNot: ("is not", "compare values with != instead"),
    ast.In: ("in", "membership tests have no derivative"),
    ast.NotIn: ("not in", "membership tests have no derivative"),
}

ALLOWED: frozenset[type] = frozenset(
    {
        ast.Assign,
        ast.AugAssign,
        ast.AnnAssign,
        ast.Return,
        ast.Expr,
        ast.Pass,
        ast.Name,
        ast.Load,
        ast.Store,
        ast.Constant,
        ast.BinOp,
        ast.UnaryOp,
        ast.Call,
        ast.keyword,
        ast.Attribute,
        ast.Compare,
        ast.Tuple,
        ast.If,
        ast.IfExp,
        ast.For,
        ast.While,
        ast.Break,  # refused by the loop lowering, with its own message
        ast.Continue,
        ast.Subscript,
        ast.Slice,
        ast.List,  # an index such as x[[0, 2]], or values as an array (sequences.py)
        ast.ListComp,  # summed by sum(), or unrolled (sequences.py)
        ast.GeneratorExp,
        ast.Assert,  # a check: the derivative is that of the code around it (control.py)
        ast.FloorDiv,  # no gradient flows through it (expressions.py)
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.Pow,
        ast.Mod,  # a % b: np.mod (ops/functions.py Remainder)
        ast.MatMult,
        ast.BitAnd,
        ast.BitOr,
        ast.USub,
        ast.UAdd,
        ast.Invert,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
    }
)


def check(source: SourceInfo, fdef: ast.FunctionDef) -> None:
    """Raise UnsupportedSyntaxError at the first construct outside the whitelist."""
    args = fdef.args
    if args.vararg or args.kwarg or args.posonlyargs:
        node = args.vararg or args.kwarg or args.posonlyargs[0]
        raise UnsupportedSyntaxError(
            "symback does not differentiate functions with *args, **kwargs or / parameters",
            source.place(node),
            hint="list every parameter by name",
        )
    allowed_dicts = aux_dicts(fdef)
    for stmt in fdef.body:
        _check_assignment_targets(source, stmt)
        if is_guard(stmt):
            continue
        nodes = list(ast.walk(stmt))
        asserts = [a for a in nodes if a.__class__ is ast.Assert]
        checks = {id(n) for a in asserts for n in ast.walk(a)} if asserts else set()
        for node in nodes:
            if id(node) in checks and not isinstance(node, ast.Assert):
                continue  # an assert's test: checked by Python, not differentiated
            kind = type(node)
            if id(node) in allowed_dicts:
                continue
            for op in _operators(node):  # operators carry no position: report their expression
                if type(op) not in ALLOWED:
                    what, hint = REFUSED.get(type(op), (f"the operator {type(op).__name__}", ""))
                    raise UnsupportedSyntaxError(
                        f"symback does not support {what}", source.place(node), hint=hint or None
                    )
            if kind in ALLOWED:
                if kind is ast.Expr and not (
                    _is_docstring(fdef, stmt)
                    or is_push(node)
                    or is_add_at(node)
                    or type(node.value) in REFUSED  # (yield: refused as itself, inside)
                ):
                    raise UnsupportedSyntaxError(
                        "an expression statement does nothing symback can differentiate"
                        + (" (print is a side effect)" if _is_print(stmt) else ""),
                        source.place(stmt),
                        hint="remove it, or move it outside the differentiated function",
                    )
                # (a string may be np.einsum's subscripts; lowering refuses it anywhere else)
                allowed_constant = (int, float, bool, str, type(None), type(Ellipsis))
                if kind is ast.Constant and not isinstance(node.value, allowed_constant):
                    if not _is_docstring(fdef, stmt):
                        raise UnsupportedSyntaxError(
                            f"a {type(node.value).__name__} constant has no derivative",
                            source.place(node),
                            hint="only numbers can appear in a differentiated computation",
                        )
                continue
            if not hasattr(node, "lineno"):
                continue  # an operator, checked with its expression above
            what, hint = REFUSED.get(kind, (f"the construct `{kind.__name__}`", ""))
            raise UnsupportedSyntaxError(
                f"symback does not support {what}", source.place(node), hint=hint or None
            )


def aux_dicts(fdef: ast.FunctionDef) -> set[int]:
    """The dict literals of an auxiliary value, `return loss, {"acc": acc}`, with constant
    keys (ids of their nodes): lowering takes them apart (with has_aux=True; without, a
    returned tuple is refused there)."""
    found: set[int] = set()
    last = fdef.body[-1] if fdef.body else None
    if isinstance(last, ast.Return) and isinstance(last.value, ast.Tuple):
        if len(last.value.elts) == 2:
            stack = [last.value.elts[1]]
            while stack:
                node = stack.pop()
                if isinstance(node, ast.Tuple):
                    stack += node.elts
                elif isinstance(node, ast.Dict) and all(
                    isinstance(k, ast.Constant) and isinstance(k.value, (str, int))
                    for k in node.keys
                ):
                    found.add(id(node))
                    stack += node.values
    return found


def is_guard(stmt: ast.stmt) -> bool:
    """`if <check>: raise ...`: it only stops the computation (as symback's own generated
    checks do), so it takes no part in the derivative."""
    return (
        isinstance(stmt, ast.If)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], ast.Raise)
        and not stmt.orelse
    )


def _check_assignment_targets(source: SourceInfo, stmt: ast.stmt) -> None:
    """An attribute write, or an element write symback does not lower (inside a tuple
    assignment, or annotated), gets its own message, before the indexing in it."""
    targets = getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]
    for target in targets:
        single = isinstance(target, ast.Subscript) and isinstance(stmt, (ast.Assign, ast.AugAssign))
        for t in target.elts if isinstance(target, ast.Tuple) else [target]:
            if isinstance(t, ast.Attribute) or isinstance(t, ast.Subscript) and not single:
                raise UnsupportedSyntaxError(
                    "symback does not support writing into an attribute, or into array "
                    "elements in a tuple or annotated assignment",
                    source.place(t),
                    hint="write one element per statement: y[i] = ...",
                )


def _operators(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.AugAssign)):
        return [node.op]
    if isinstance(node, ast.Compare):
        return list(node.ops)
    return []


def _is_docstring(fdef: ast.FunctionDef, stmt: ast.stmt) -> bool:
    return (
        stmt is fdef.body[0]
        and isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_print(stmt: ast.stmt) -> bool:
    call = getattr(stmt, "value", None)
    return (
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
    )
