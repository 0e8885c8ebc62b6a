"""The `vaelessons` command: `vaelessons COMMAND ...`, one subcommand per module of the package.

A subcommand is a module of vaelessons named in COMMANDS: its docstring's first line is the command's help, its
`add_arguments(parser)` declares the arguments and its `run(args)` does the work, returning the exit status.
"""

import argparse
import importlib
import sys

COMMANDS = ("lessons", "reset", "prepare", "student", "teacher", "grade")


def parser(names=COMMANDS) -> argparse.ArgumentParser:
    """The command line of the named subcommands (each one's module is imported: only the one asked for, when run)."""
    top = argparse.ArgumentParser(prog="vaelessons", description="The classroom tools of the VAE lessons.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in names:
        module = importlib.import_module(f"vaelessons.{name}")
        doc = module.__doc__.strip()
        command = sub.add_parser(
            name, help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return top


def main(argv=None) -> int:
    """Parse the command line and run the subcommand; its exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser([argv[0]] if argv and argv[0] in COMMANDS else COMMANDS).parse_args(argv)
    return args.run(args) or 0
