"""Reading one TOML table key by key, and the one-line error a wrong value becomes.

:class:`Table` knows where it is in the file, rejects keys it was not asked for, and
turns a wrong type or range into a :class:`ConfigError`, whose text is the line the
app prints::

    config/bad.toml: cluster.max_vcpus = -1 is not allowed: expected an integer from 0 to 100000
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from batch_stack.rules import Range

#: The value of a key that is not in the file.
MISSING = object()


class ConfigError(ValueError):
    """A config value that is missing, of the wrong type or out of range, or a file that cannot be read.

    ``str(error)`` is the one line the app prints before it exits.
    """

    def __init__(self, source: Path | str, key: str | None, value: Any, allowed: str) -> None:
        self.source = str(source)
        self.key = key
        self.value = value
        self.allowed = allowed
        if key is None:
            super().__init__(f"{self.source}: cannot read the config file: {allowed}")
            return
        shown = "(missing)" if value is MISSING else _show(value)
        super().__init__(f"{self.source}: {key} = {shown} is not allowed: {allowed}")

    @classmethod
    def unreadable(cls, source: Path | str, reason: str) -> ConfigError:
        """The whole file is wrong: it does not exist, cannot be read, or is not TOML."""
        return cls(source, None, MISSING, reason)


class Hidden:
    """A value a message must not repeat (it may be a credential): shown as its length only."""

    def __init__(self, value: object) -> None:
        self.length = len(value) if isinstance(value, str) else len(str(value))

    def __str__(self) -> str:
        return f"(hidden, {self.length} character{'s' * (self.length != 1)})"


#: The longest value a message repeats; a longer one is cut, its quotes and brackets kept.
SHOWN_LENGTH = 80
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(name: str) -> str:
    """One part of a dotted key as TOML writes it: bare, or quoted when it has other characters."""
    return name if _BARE_KEY.match(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _show(value: Any) -> str:
    if isinstance(value, Hidden):
        return str(value)
    if isinstance(value, dict):
        return "{table}"
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= SHOWN_LENGTH else f"{value[: SHOWN_LENGTH - 30]!r}... ({len(value)} characters)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        shown, parts = 2, []
        for item in value:
            part = _show(item)
            if shown + len(part) > SHOWN_LENGTH - 20:
                return "[" + ", ".join([*parts, "..."]) + f"] ({len(value)} item{'s' * (len(value) != 1)})"
            parts.append(part)
            shown += len(part) + 2
        return "[" + ", ".join(parts) + "]"
    text = str(value)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 3] + "..."


class Table:
    """One TOML table, read key by key.

    Every getter removes the key it reads; :meth:`done` then rejects what is
    left, so a misspelt key is an error rather than silently ignored.
    """

    def __init__(self, source: Path | str, prefix: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.prefix = prefix
        self._data = dict(data)
        self._known: list[str] = []

    def key(self, name: str) -> str:
        """The dotted key of ``name`` in this table, as TOML writes it (``jobs.nightly.environment."my var"``)."""
        return f"{self.prefix}.{toml_key(name)}" if self.prefix else toml_key(name)

    def error(self, name: str, value: Any, allowed: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), value, allowed)

    def take(self, name: str, default: Any) -> Any:
        """The raw value of ``name`` (``default`` when absent, an error when required), marked as read."""
        self._known.append(name)
        if name in self._data:
            return self._data.pop(name)
        if default is MISSING:
            raise self.error(name, MISSING, "this key is required")
        return default

    def has(self, name: str) -> bool:
        return name in self._data

    def peek(self, name: str) -> Any:
        """The raw value of ``name`` without reading it (for a message about another key)."""
        return self._data.get(name, MISSING)

    def str(
        self,
        name: str,
        default: Any = MISSING,
        *,
        choices: Iterable[str] | None = None,
        pattern: re.Pattern[str] | None = None,
        rule: str | None = None,
        check: Callable[[str], str | None] | None = None,
    ) -> Any:
        """A string; ``check`` returns the rule it breaks, or None."""
        value = self.take(name, default)
        if value is default and default is not MISSING:
            return value
        choices = list(choices) if choices is not None else None
        if not isinstance(value, str):
            raise self.error(name, value, _choices_rule(choices) if choices else "expected a string")
        if choices is not None and value not in choices:
            raise self.error(name, value, _choices_rule(choices))
        if pattern is not None and not pattern.match(value):
            raise self.error(name, value, rule or f"expected a string matching {pattern.pattern}")
        problem = check(value) if check is not None else None
        if problem:
            raise self.error(name, value, problem)
        return value

    def int(
        self,
        name: str,
        default: Any = MISSING,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        within: Range | None = None,
    ) -> Any:
        """An integer from ``minimum`` to ``maximum``; ``within`` gives whichever of the two the call does not."""
        return self._number(name, default, (int,), "an integer", _bounds(minimum, maximum, within))

    def number(
        self,
        name: str,
        default: Any = MISSING,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        within: Range | None = None,
    ) -> Any:
        """A number (integer or float) from ``minimum`` to ``maximum``, as :meth:`int`; a float unless defaulted."""
        value = self._number(name, default, (int, float), "a number", _bounds(minimum, maximum, within))
        return value if value is default and default is not MISSING else float(value)

    def _number(
        self, name: str, default: Any, types: tuple[type, ...], kind: str, bounds: tuple[float | None, float | None]
    ) -> Any:
        minimum, maximum = bounds
        value = self.take(name, default)
        if value is default and default is not MISSING:
            return value
        ok = isinstance(value, types) and not isinstance(value, bool)
        ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
        if not ok:
            raise self.error(name, value, _range_rule(kind, minimum, maximum))
        return value

    def bool(self, name: str, default: Any = MISSING) -> Any:
        value = self.take(name, default)
        if not isinstance(value, bool) and not (value is default and default is not MISSING):
            raise self.error(name, value, "expected true or false")
        return value

    def str_list(
        self,
        name: str,
        default: Any = MISSING,
        *,
        item: Callable[[str], str | None] | None = None,
        min_items: int = 0,
    ) -> Any:
        """A list of strings; ``item`` returns a rule when one item is wrong."""
        value = self.take(name, default)
        if value is default and default is not MISSING:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(name, value, "expected a list of strings")
        if len(value) < min_items:
            raise self.error(name, value, f"expected at least {min_items} item(s)")
        for index, entry in enumerate(value):
            problem = item(entry) if item else None
            if problem:
                raise ConfigError(self.source, f"{self.key(name)}[{index}]", entry, problem)
        return tuple(value)

    def str_map(
        self, name: str, *, key_rule: Callable[[str], str | None] | None = None, hide_values: bool = False
    ) -> dict[str, str]:
        """An inline table of string values, e.g. ``environment = { A = "1" }``; ``hide_values``: never repeat one."""
        value = self.take(name, {})
        if not isinstance(value, dict):
            raise self.error(name, {} if hide_values else value, "expected a table of strings")
        for entry_key, entry in value.items():
            shown = Hidden(entry) if hide_values else entry
            problem = key_rule(entry_key) if key_rule else None
            if problem:
                raise ConfigError(self.source, f"{self.key(name)}.{toml_key(entry_key)}", shown, problem)
            if not isinstance(entry, str):
                raise ConfigError(self.source, f"{self.key(name)}.{toml_key(entry_key)}", shown, "expected a string")
        return dict(value)

    def table(self, name: str, *, required: bool = False) -> Table:
        value = self.take(name, MISSING if required else {})
        if not isinstance(value, dict):
            raise self.error(name, value, "expected a table")
        return Table(self.source, self.key(name), value)

    def tables(self, name: str) -> dict[str, Table]:
        """A table of tables such as ``[jobs.<name>]``, in file order."""
        parent = self.table(name)
        result: dict[str, Table] = {}
        for child_name in list(parent._data):
            result[child_name] = parent.table(child_name)
        return result

    def done(self) -> None:
        """Reject keys nobody asked for."""
        for name, value in self._data.items():
            known = ", ".join(sorted(set(self._known))) or "none"
            raise self.error(name, value, f"unknown key (known keys here: {known})")


def _choices_rule(choices: list[str] | None) -> str:
    return "expected one of " + ", ".join(repr(c) for c in choices or [])


def _range_rule(kind: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"expected {kind} from {minimum} to {maximum}"
    if minimum is not None:
        return f"expected {kind} of at least {minimum}"
    if maximum is not None:
        return f"expected {kind} of at most {maximum}"
    return f"expected {kind}"


def _bounds(minimum: float | None, maximum: float | None, within: Range | None) -> tuple[float | None, float | None]:
    if within is None:
        return minimum, maximum
    return (within.low if minimum is None else minimum), (within.high if maximum is None else maximum)
