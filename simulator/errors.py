"""The one exception type that means "the user's input is wrong" (exit code 2)."""


class InputError(Exception):
    """Bad input from a user: a file, a field, a flag. The message is one line and names it.

    The CLI turns this into exit code 2 and prints the message without a traceback.
    """


def choices_text(valid) -> str:
    """Returns 'a, b, c' for a message that lists the valid choices."""
    return ", ".join(str(v) for v in valid)
