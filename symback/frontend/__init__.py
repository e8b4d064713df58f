"""Frontend: source, fence, lowering to IR."""
