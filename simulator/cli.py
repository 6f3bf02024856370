"""The command line: ``python -m simulator COMMAND ...``.

Each area registers its own subcommands (``register(subparsers)`` in its ``cli`` module) and
imports its heavy dependencies (torch, matplotlib) only inside the command it runs, so
``--help`` and the light commands start fast.

Exit codes: 0 success; 2 bad input (one line naming the file and field); 1 internal error.
"""

import argparse
import importlib
import sys
import warnings

from simulator import __version__
from simulator.errors import InputError

# Modules with a ``register(subparsers)`` function; a missing one is skipped so that areas
# can land one at a time.
COMMAND_MODULES = (
    "simulator.hardware.cli",
    "simulator.experiments.cli",
    "simulator.curves.cli",
    "simulator.scenario.cli",
    "simulator.report.cli",
    "simulator.serving.cli",
)
# The module that registers each command: a run of one command imports and registers only its
# own module (tests/test_startup.py checks this table against what the modules register).
COMMANDS = {
    "chips": "simulator.hardware.cli",
    "accounting": "simulator.hardware.cli",
    "experiments": "simulator.experiments.cli",
    "bench": "simulator.experiments.cli",
    "fit": "simulator.curves.cli",
    "fit-loss": "simulator.curves.cli",
    "run": "simulator.scenario.cli",
    "report": "simulator.report.cli",
    "serving": "simulator.serving.cli",
}


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad flags already; keep its message on one line."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Returns the top-level parser with every available subcommand, or with ``command``'s
    module's subcommands only (what running that command needs)."""
    parser = _Parser(
        prog="python -m simulator",
        description=(
            "Compute Moat: how much AI capability can an export-controlled actor reach by "
            "training from scratch or by distilling a foreign model through an API?"
        ),
        epilog="Run 'python -m simulator COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"compute-moat {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES if command is None else (COMMANDS[command],):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv=None) -> int:
    """Runs one command; returns its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.debug:  # numerical warnings are for developers; results carry their own flags
        warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        result = args.func(args)
        return int(result or 0)
    except InputError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    except RecursionError:
        if args.debug:
            raise
        print("error: input nested too deeply to read", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if args.debug:
            raise
        if exc.filename is None:
            print(f"internal error: {type(exc).__name__}: {one_line(exc)} (rerun with --debug "
                  "for a traceback)", file=sys.stderr)
            return 1
        # A file or folder the system refused (permissions, a full disk, a folder given for a
        # file): the user can fix it, so it is bad input, named by its path.
        print(f"error: {exc.filename}: {exc.strerror or one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {one_line(exc)} (rerun with --debug for a "
              "traceback)", file=sys.stderr)
        return 1


def _command_in(argv) -> str | None:
    """Returns the command argv names when it is a known one and only --debug comes before it,
    else None (help, --version, typos: the parser with every command)."""
    for arg in argv:
        if arg != "--debug":
            return arg if arg in COMMANDS else None
    return None


def one_line(exc) -> str:
    """Returns an exception's message on one line."""
    return " ".join(str(exc).split("\n")).strip()
