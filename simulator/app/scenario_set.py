"""The app's saved scenario set: scenarios a visitor keeps for Compare (the view being explored,
uploaded scenario files), each a validated Scenario under a stable key.

The explorer saves the view it shows (when it differs from a preset); Compare reads the set,
never another page's widgets. One set per browser session, held by the page layer.

Example:
    >>> kept = ScenarioSet()
    >>> kept.put("explorer", "Your explorer view", object()) and len(kept)
    1
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SAVED = 8   # a session's set stays small: each entry is evaluated when compared


@dataclass(frozen=True)
class SavedScenario:
    """One scenario of the set: its key, the label Compare shows, the Scenario itself."""

    key: str
    label: str
    scenario: object


class ScenarioSet:
    """An ordered set of saved scenarios (a key saved again replaces its entry in place)."""

    def __init__(self):
        self._items: dict[str, SavedScenario] = {}

    def put(self, key: str, label: str, scenario) -> SavedScenario:
        """Returns the saved entry; the oldest entry goes when the set is full."""
        if key not in self._items and len(self._items) >= MAX_SAVED:
            self._items.pop(next(iter(self._items)))
        entry = SavedScenario(key=key, label=label, scenario=scenario)
        self._items[key] = entry
        return entry

    def discard(self, key: str) -> None:
        """Removes ``key`` from the set if it is there."""
        self._items.pop(key, None)

    def get(self, key: str) -> SavedScenario | None:
        return self._items.get(key)

    def entries(self) -> list[SavedScenario]:
        """Returns the saved scenarios, oldest first."""
        return list(self._items.values())

    def __contains__(self, key) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


def upload_key(text: str) -> str:
    """Returns the set's key of an uploaded scenario file (its content's hash: the same file
    uploaded twice is one entry)."""
    import hashlib

    return "upload:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
