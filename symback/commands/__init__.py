"""Subcommands of the symback command, one module each: add_parser(subparsers) sets run."""
