"""The one exception type that means "the user's input is wrong" (exit code 2)."""

from contextlib import contextmanager


class InputError(Exception):
    """Bad input from a user: a file, a field, a flag. The message is one line and names it.

    The CLI turns this into exit code 2 and prints the message without a traceback.
    """


def choices_text(valid) -> str:
    """Returns 'a, b, c' for a message that lists the valid choices."""
    return ", ".join(str(v) for v in valid)


@contextmanager
def reading(path, what: str):
    """Turns the errors of reading the file at ``path`` into one-line InputErrors naming it
    (missing, a folder, not UTF-8, unreadable); ``what`` names the file for the reader."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a {what}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the {what} as "
                         "UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
