"""A function symback refuses, to show its error (docs/codegen.md):

symback gen --all examples/unsupported.py
"""


def unsupported(x, y):
    z = (lambda s: s * 2)(y)
    return z + x
