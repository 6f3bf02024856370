"""Reading the project's own TOML data files (rules, serving defaults, priors, measures)."""

import tomllib

from simulator.errors import InputError


def read_toml(path, what: str = "data file") -> dict:
    """Returns the mapping in a TOML data file; InputError naming the file if it is missing or
    not valid TOML (``what`` says what the file is, e.g. "rules file")."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
