"""CloudFormation's intrinsic functions, resolved against what the emulator created.

Only what a synthesized CDK template uses: ``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``,
``Fn::Select``, ``Fn::Split`` and ``Fn::FindInMap``. Anything else, or a reference to a
resource that was not created, raises :class:`Unresolved` naming where it sits in the template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The functions a template may use that this module resolves.
FUNCTIONS = ("Ref", "Fn::GetAtt", "Fn::Join", "Fn::Sub", "Fn::Select", "Fn::Split", "Fn::FindInMap", "Fn::GetAZs")
#: What ``Ref: AWS::NoValue`` gives: the property it sits in is dropped.
NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class Unresolved(Exception):  # noqa: N818 (reads as "the value is unresolved")
    """A value in the template that the emulator cannot give: the message names where it is."""


@dataclass
class Resolver:
    """Resolves a template's values once the resources they name exist.

    :param pseudo: ``AWS::Region``, ``AWS::AccountId``, ``AWS::Partition``, ...
    :param refs: a resource's logical id -> what ``Ref`` gives (its physical id or ARN).
    :param attributes: a resource's logical id -> its attributes, for ``Fn::GetAtt``.
    :param mappings: the template's ``Mappings``.
    :param parameters: a parameter's name -> its value.
    """

    pseudo: Mapping[str, str]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)
    availability_zones: list[str] = field(default_factory=list)

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with every intrinsic function replaced by its value; ``where`` names it in errors."""
        if isinstance(value, list):
            items = (self.resolve(item, f"{where}[{i}]") for i, item in enumerate(value))
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name in _HANDLERS:
                return _HANDLERS[name](self, argument, f"{where}.{name}")
            if name.startswith("Fn::") or name == "Condition":
                raise Unresolved(f"{where}: {name} is not a function the emulator resolves (it resolves {', '.join(FUNCTIONS)})")
        items = ((key, self.resolve(item, f"{where}.{key}")) for key, item in value.items())
        return {key: item for key, item in items if item is not NO_VALUE}

    def ref(self, name: str, where: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise Unresolved(f"{where}: Ref {name!r} names nothing that was created")

    def get_att(self, name: str, attribute: str, where: str) -> Any:
        if name not in self.attributes and name not in self.refs:
            raise Unresolved(f"{where}: Fn::GetAtt {name}.{attribute} names a resource that was not created")
        attributes = self.attributes.get(name, {})
        if attribute not in attributes:
            known = ", ".join(sorted(attributes)) or "none"
            raise Unresolved(f"{where}: Fn::GetAtt {name}.{attribute}: the emulator knows no such attribute (it knows {known})")
        return attributes[attribute]

    def condition(self, value: Any, where: str) -> bool:
        """A rule's or a condition's value: ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Fn::Equals``, ``Fn::Contains``."""
        if isinstance(value, bool):
            return value
        if isinstance(value, dict) and len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Fn::Not":
                return not self.condition(argument[0], f"{where}.Fn::Not")
            if name in ("Fn::And", "Fn::Or"):
                results = [self.condition(item, f"{where}.{name}[{i}]") for i, item in enumerate(argument)]
                return all(results) if name == "Fn::And" else any(results)
            if name == "Fn::Equals":
                left, right = (self.resolve(item, f"{where}.Fn::Equals") for item in argument)
                return left == right
            if name == "Fn::Contains":
                items, item = (self.resolve(part, f"{where}.Fn::Contains") for part in argument)
                return item in items
        raise Unresolved(f"{where}: {value!r} is not a condition the emulator evaluates")

    def references(self, value: Any) -> set[str]:
        """The logical ids ``value`` refers to (``Ref``, ``Fn::GetAtt``, ``${...}`` in ``Fn::Sub``), pseudo parameters aside."""
        found: set[str] = set()
        _collect(value, found)
        return {
            name for name in found if name not in self.pseudo and name not in self.parameters and not name.startswith("AWS::")
        }


def unsupported(value: Any, where: str) -> list[str]:
    """Where ``value`` uses a function the emulator does not resolve (found before anything is created)."""
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in unsupported(item, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        if (key.startswith("Fn::") and key not in FUNCTIONS) or (key == "Condition" and len(value) == 1):
            found.append(f"{where}.{key}: {key} is not a function the emulator resolves (it resolves {', '.join(FUNCTIONS)})")
        found.extend(unsupported(item, f"{where}.{key}"))
    return found


def _join(resolver: Resolver, argument: Any, where: str) -> str:
    delimiter, items = argument
    parts = resolver.resolve(items, where)
    return delimiter.join(_text(part, where) for part in parts)


def _sub(resolver: Resolver, argument: Any, where: str) -> str:
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    values = {key: resolver.resolve(item, f"{where}.{key}") for key, item in variables.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return _text(values[name], where)
        if "." in name:
            resource, attribute = name.split(".", 1)
            return _text(resolver.get_att(resource, attribute, where), where)
        return _text(resolver.ref(name, where), where)

    return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")


def _select(resolver: Resolver, argument: Any, where: str) -> Any:
    index, items = argument
    index = int(resolver.resolve(index, where))
    resolved = resolver.resolve(items, where)
    if not 0 <= index < len(resolved):
        raise Unresolved(f"{where}: Fn::Select index {index} is outside the {len(resolved)} items {resolved!r}")
    return resolved[index]


def _split(resolver: Resolver, argument: Any, where: str) -> list[str]:
    delimiter, text = argument
    return _text(resolver.resolve(text, where), where).split(delimiter)


def _find_in_map(resolver: Resolver, argument: Any, where: str) -> Any:
    name, top, second = (resolver.resolve(item, where) for item in argument)
    try:
        return resolver.mappings[name][top][second]
    except KeyError:
        raise Unresolved(f"{where}: Fn::FindInMap [{name}, {top}, {second}] is not in the template's Mappings") from None


def _get_att_argument(resolver: Resolver, argument: Any, where: str) -> Any:
    name, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
    return resolver.get_att(name, attribute, where)


def _get_azs(resolver: Resolver, argument: Any, where: str) -> list[str]:
    if not resolver.availability_zones:
        raise Unresolved(f"{where}: Fn::GetAZs: the emulator knows no availability zones")
    return list(resolver.availability_zones)


_HANDLERS: dict[str, Callable[[Resolver, Any, str], Any]] = {
    "Ref": lambda resolver, name, where: resolver.ref(name, where),
    "Fn::GetAtt": _get_att_argument,
    "Fn::Join": _join,
    "Fn::Sub": _sub,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::GetAZs": _get_azs,
}


def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise Unresolved(f"{where}: {value!r} is not a string")


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
            return
        if len(value) == 1 and "Fn::GetAtt" in value:
            argument = value["Fn::GetAtt"]
            found.add(argument.split(".", 1)[0] if isinstance(argument, str) else argument[0])
            return
        if len(value) == 1 and "Fn::Sub" in value:
            argument = value["Fn::Sub"]
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            found.update(name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text) if name not in variables)
            _collect(variables, found)
            return
        for item in value.values():
            _collect(item, found)
