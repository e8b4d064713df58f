"""A differential fuzzer for symback: random programs, gradients checked against references."""
