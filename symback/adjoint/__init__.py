"""The reverse sweep and the names it binds."""
