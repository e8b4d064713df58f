"""Large elementwise results written into buffers with `out=`: one allocation per line.

NumPy evaluates `200.0 * (a - b**2)` with a new array for `b**2` and another for `a - ...`
(it reuses a temporary in place only where it is the left operand of a subtraction or a
division). For arrays of a few hundred KiB and more, each new array is fresh memory from the
kernel and page-faults as it is first written, so the number of distinct allocations, not
the arithmetic, sets the time. In a specialised gradient the shapes and dtypes are known, so
such a line can be written as a hand-tuned one is:

    t3 = np.empty((999999,))
    np.square(t2, out=t3)
    np.subtract(t1, t3, out=t3)
    np.multiply(200.0, t3, out=t3)

and a value whose only reader copies it into a slice of a gradient buffer that the generated
code made itself (`d_x[:-1] = d_t2`, after `d_x = np.zeros(...)`) is computed straight into
that slice. Writes go only to a new buffer or to such a slice: never to an argument, to a
view of one, or to an array anything else reads. Smaller arrays are left as they are: their
temporaries are cheap, and a ufunc call with `out=` costs more than an operator.
"""

from __future__ import annotations

import ast
import dataclasses
import math

from .. import code
from ..ops.arrays import NEW_ARRAY_FUNCTIONS
from .dce import live_lines
from .ufunc_chains import basic_slices, chain, has_operation, operands, shape_of, sliced

# Below this size NumPy does not elide temporaries either, and malloc serves them from its
# heap without page faults (NumPy's NPY_MIN_ELIDE_BYTES).
MIN_BYTES = 256 * 1024
_ITEMSIZE = 8  # float64


def write_in_place(
    program: code.GradientProgram,
    arrays: dict[str, tuple],
    scalars: frozenset[str],
    np: str,
    returned: set[str],
) -> code.GradientProgram:
    """The program with its large elementwise lines computed into buffers.

    `arrays`: the float64 arrays known from the arguments' shapes (name -> shape), which the
    code only reads; `scalars`: names holding float scalars; `returned`: names the function
    returns besides the gradients (they are never written into, nor computed into a slice).
    """
    lines = list(program.forward) + list(program.backward)
    readers = _readers(lines, set(returned) | set(program.gradients))
    shapes = dict(arrays)
    zeros = _zeros_buffers(lines, np)
    swap: dict[int, code.Line] = {}  # zeros buffers that need only part of them zeroed
    out: list[list] = [[], []]
    moved: dict[int, tuple] = {}  # position of `buf[i] = v` -> (v's tree, its line)
    bound: set[str] = set()  # names bound by a line so far
    live = _live(program, set(returned) | set(program.gradients))
    last_read = _last_reads(lines, live, set(returned) | set(program.gradients))
    reusable = _read_only_by_new_arrays(lines, np)
    made: list[tuple[str, tuple]] = []  # buffers made so far: (name, shape)
    for k, line in enumerate(lines):
        part = out[k >= len(program.forward)]
        if k in moved:
            tree, source = moved.pop(k)
            target = line.node.targets[0]  # the slice `buf[i]` the value is copied into
            first = _first_write(lines, k, target, zeros, np)
            if first is not None:
                made, rest = first
                swap[id(lines[zeros[line.target][1]])] = made
                part += rest
            load = ast.Subscript(target.value, target.slice, ast.Load())
            part += chain(tree, load, line.target, np, source.line, shapes)
            continue
        if isinstance(line, code.Block) or line.statement:
            if isinstance(line, code.Block):  # (a name bound again inside may change shape)
                for name in line.targets:
                    shapes.pop(name, None)
            part.append(line)
            continue
        tree = line.value
        shape = shape_of(tree, shapes, scalars, np)
        for name in line.targets & bound:  # bound again: its earlier shape no longer holds
            shapes.pop(name, None)
        bound |= line.targets
        if shape is None or len(line.targets) != 1 or line.target in line.reads or line.effect:
            part.append(line)
            continue
        shapes[line.target] = shape
        if math.prod(shape) * _ITEMSIZE < MIN_BYTES or not has_operation(tree, shapes):
            part.append(line)
            continue
        slot = _slice_write(lines, k, line, shape, readers, zeros)
        if slot is not None and slot < len(program.forward) <= k:
            slot = None  # (never across the two parts)
        if slot is not None and k < len(program.forward) <= slot:
            slot = None
        if slot is not None:
            moved[slot] = (tree, line)  # computed where the slice is written
            for name in line.reads:  # (read there, not here)
                last_read[name] = max(last_read.get(name, -1), slot)
            continue
        # One operation on plain operands may write over one of them, element by element.
        single = all(isinstance(a, (ast.Name, ast.Constant)) for a in operands(tree, np)[1])
        dead = next(
            (
                name
                for name, made_shape in made
                if made_shape == shape
                and name in reusable
                and (last_read.get(name, -1) < k or single and last_read.get(name, -1) == k)
            ),
            None,
        )
        if dead is not None:  # a buffer nothing reads any more: this line's value goes there
            made.remove((dead, shape))
            empty = code.assign(line.target, code.name(dead), line.line)
        else:
            empty = code.assign(line.target, _empty(np, shape), line.line)
        if id(line) in live:  # (a line emit drops lends no buffer: it would revive it)
            made.append((line.target, shape))
        part += [empty, *chain(tree, code.name(line.target), line.target, np, line.line, shapes)]
    forward, backward = ([swap.get(id(line), line) for line in part] for part in out)
    return dataclasses.replace(program, forward=tuple(forward), backward=tuple(backward))


def _empty(np: str, shape: tuple) -> ast.expr:
    return code.call(code.attr(np, "empty"), code.literal(shape))


def _first_write(lines, k, node: ast.Subscript, zeros, np):
    """Where a 1-D zeros buffer is first written by a slice (`d_x[:-1] = ...` before anything
    reads it), only the rest needs zeros: (the line making it empty, the lines zeroing the
    rest), or None."""
    name = node.value.id
    shape, made_at = zeros[name]
    index = basic_slices(node.slice)
    if len(shape) != 1 or len(index) != 1 or index[0] is Ellipsis or index[0].step not in (None, 1):
        return None
    if any(name in line.reads for line in lines[made_at + 1 : k]):
        return None
    start, stop, _ = index[0].indices(shape[0])
    made = lines[made_at]
    rest = [ast.Slice(None, code.number(start), None)] if start > 0 else []
    rest += [ast.Slice(code.number(stop), None, None)] if stop < shape[0] else []
    rows = [code.set_item(name, part, ast.Constant(0.0), made.line) for part in rest]
    return code.assign(name, _empty(np, shape), made.line), rows


def _reads(line) -> frozenset[str]:
    """The names a line or block reads, less those a plain assignment binds."""
    own = frozenset() if getattr(line, "statement", True) else line.targets
    return line.reads - own


def _readers(lines: list, returned: set[str]) -> dict[str, int]:
    """How many lines read each name (the return counts as one more)."""
    count: dict[str, int] = dict.fromkeys(returned, 1)
    for line in lines:
        for name in _reads(line):
            count[name] = count.get(name, 0) + 1
    return count


def _live(program, returned: set[str]) -> set[int]:
    """The lines the emitted code keeps (the rest are dropped), by id."""
    forward, backward = live_lines(program, returned)
    return {id(line) for line in forward + backward}


def _last_reads(lines: list, live: set[int], returned: set[str]) -> dict[str, int]:
    """Where each name is read for the last time by a line that is kept (the return:
    after every line)."""
    last = dict.fromkeys(returned, len(lines))
    for k, line in enumerate(lines):
        if id(line) not in live:
            continue
        for name in _reads(line):
            last[name] = max(last.get(name, -1), k)
    return last


def _read_only_by_new_arrays(lines: list, np: str) -> set[str]:
    """The names every reader of which makes a new array of what it reads (an elementwise
    operation, a reduction, a product) or copies it into elements (`buf[i] += v`): no view
    of them, no other name for them, nothing holding them (a list) outlives their last read,
    so their memory may hold another value after it. Names a block binds or reads: none."""
    unsafe: set[str] = set()
    for line in lines:
        if isinstance(line, code.Block):
            unsafe |= line.reads | line.targets
        elif line.statement:
            node = line.node
            copies = isinstance(node, (ast.Assign, ast.AugAssign)) and isinstance(
                node.targets[0] if isinstance(node, ast.Assign) else node.target, ast.Subscript
            )
            if not copies:
                unsafe |= line.reads
        elif not _makes_new_array(line.value, np):
            unsafe |= line.reads
    return {
        name
        for line in lines
        if isinstance(line, code.Line)
        for name in line.targets
        if name not in unsafe
    }


def _makes_new_array(tree, np: str) -> bool:
    """Does evaluating `tree` give a new array, never a view of what it reads?"""
    if operands(tree, np) is not None:
        return True  # an elementwise operation
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.MatMult):
        return True
    return (
        isinstance(tree, ast.Call)
        and isinstance(tree.func, ast.Attribute)
        and isinstance(tree.func.value, ast.Name)
        and tree.func.value.id == np
        and tree.func.attr in NEW_ARRAY_FUNCTIONS  # (ufuncs: _operands)
    )


def _zeros_buffers(lines: list, np: str) -> dict[str, tuple]:
    """The buffers the code makes itself with `np.zeros(shape)`, bound once: their shapes
    and where they are made."""
    zeros: dict[str, tuple] = {}
    bound: set[str] = set()
    for k, line in enumerate(lines):
        if isinstance(line, code.Line) and not line.statement:
            tree = line.value
            if (
                isinstance(tree, ast.Call)
                and _is_np(tree.func, np, "zeros")
                and len(tree.args) == 1
                and not tree.keywords
                and line.target not in bound
            ):
                try:
                    zeros[line.target] = (tuple(ast.literal_eval(tree.args[0])), k)
                except (ValueError, TypeError):
                    pass
            else:
                zeros.pop(line.target, None)
        elif isinstance(line, code.Block):
            for name in line.targets:
                zeros.pop(name, None)
        if not getattr(line, "statement", False):
            bound |= line.targets
    return zeros


def _is_np(node, np: str, function: str) -> bool:
    """Is `node` NumPy's `function` (np.zeros)?"""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == np
        and node.attr == function
    )


def _slice_write(lines, k, line, shape, readers, zeros) -> int | None:
    """Where `line`'s value is copied into a slice of a zeros buffer, if that is its only
    reader, the slice has the value's shape, and nothing in between writes what the line
    reads or touches the buffer."""
    name = line.target
    if readers.get(name, 0) != 1:
        return None
    operands = line.reads
    for j in range(k + 1, len(lines)):
        other = lines[j]
        if name not in other.reads:
            if other.targets & operands:  # (an element write into an array the line reads)
                return None
            continue
        if isinstance(other, code.Block) or not other.statement:
            return None
        if not (
            isinstance(other.node, ast.Assign)
            and isinstance(other.node.value, ast.Name)
            and other.node.value.id == name
            and isinstance(other.node.targets[0], ast.Subscript)
        ):
            return None
        node = other.node.targets[0]
        buffer = node.value
        if not (isinstance(buffer, ast.Name) and buffer.id in zeros and buffer.id not in operands):
            return None
        index = basic_slices(node.slice)
        if index is None or sliced(zeros[buffer.id][0], index) != shape:
            return None
        for between in lines[k + 1 : j]:
            made_here = isinstance(between, code.Line) and not between.statement
            if buffer.id in between.reads or buffer.id in between.targets and not made_here:
                return None
        return j
    return None
