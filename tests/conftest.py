"""Shared test helpers."""

import pytest


@pytest.fixture
def run_cli(capsys):
    """Returns a function that runs ``python -m simulator ARGS`` in-process.

    It returns (exit code, stdout, stderr); argparse's own exits become exit codes too.
    """
    from simulator.cli import main

    def run(*args):
        capsys.readouterr()  # drop anything printed before
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: --help, bad flags
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
