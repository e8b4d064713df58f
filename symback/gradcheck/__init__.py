"""Gradient checking against numerical references."""
