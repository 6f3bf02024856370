"""Compare nested JSON-like values (cards, results) with a relative tolerance on floats.

Another machine's BLAS or libm can move a fitted value in its last printed digit, so
computed floats are never compared with ``==``; everything else (keys, strings, lengths,
booleans, integers) must match exactly.
"""

import math


def mismatches(actual, expected, *, rel=1e-6, abs_tol=1e-12, path="$"):
    """Returns a list of 'path: actual != expected' lines where the two values differ."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            got = sorted(actual) if isinstance(actual, dict) else type(actual).__name__
            return [f"{path}: keys {got} != {sorted(expected)}"]
        return [line for key in expected
                for line in mismatches(actual[key], expected[key], rel=rel, abs_tol=abs_tol,
                                       path=f"{path}.{key}")]
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return [f"{path}: {actual!r:.80} != {expected!r:.80}"]
        return [line for i, (a, e) in enumerate(zip(actual, expected))
                for line in mismatches(a, e, rel=rel, abs_tol=abs_tol, path=f"{path}[{i}]")]
    numeric = (int, float)
    if (isinstance(expected, float) or isinstance(actual, float)) and \
            isinstance(actual, numeric) and isinstance(expected, numeric) and \
            not isinstance(actual, bool) and not isinstance(expected, bool):
        if math.isnan(expected) and math.isnan(actual):
            return []
        if math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol):
            return []
        return [f"{path}: {actual!r} != {expected!r}"]
    return [] if actual == expected else [f"{path}: {actual!r:.80} != {expected!r:.80}"]


def assert_nested_close(actual, expected, *, rel=1e-6, abs_tol=1e-12):
    """Fails listing the first differences when any value differs beyond the tolerance."""
    found = mismatches(actual, expected, rel=rel, abs_tol=abs_tol)
    assert not found, f"{len(found)} differences:\n" + "\n".join(found[:20])
