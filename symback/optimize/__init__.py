"""Passes over generated programs: dead-code removal."""
