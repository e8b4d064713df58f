"""Derivative knowledge as data: elementwise functions, array primitives, constants."""
