"""Type checks of construct props: a wrong Python type fails at construction, in one line.

``@checked_props("ScheduledBatchJob")`` on a construct's ``__init__`` checks every argument given against the
function's type hints before the body runs, so ``memory=4096`` fails before any child is built::

    ScheduledBatchJob 'Nightly': memory must be a cdk.Size (e.g. Size.mebibytes(2048)), got int 4096

On a method the prop is named after it (``watch_queue(job_queue) must be ...``). ``X | None`` takes None, a union
any member; ``float`` takes int and float, ``int`` only int, ``bool`` only bool; an enum in a union with ``str``
takes a member or one of its values; ``Sequence[X]`` is a list or tuple of X (never a str), ``Mapping[K, V]`` a
mapping of K to V; a dataclass has its fields checked; a jsii interface (a Protocol ``isinstance`` cannot check)
takes an object whose class has all of its public members, looked up without a call into jsii. A string token is a
str, a number token a number. A hint the checker does not know takes anything.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import struct
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
#: (where, hint, value): the value at ``where`` (e.g. ``secrets['DB']``) does not fit ``hint``.
Problem = tuple[str, Any, object]

#: Primitive types: how the message says "a value of it", and "of it" inside a sequence or mapping.
_PRIMITIVES = {str: ("a str", "str"), int: ("an int", "int"), float: ("a number (int or float)", "number")}
_PRIMITIVES[bool] = ("true or false", "bool")
#: How to get a value of the common types, by ``module.qualname`` (no import of aws_cdk needed).
_EXAMPLES = {
    "aws_cdk.Size": "Size.mebibytes(2048)",
    "aws_cdk.Duration": "Duration.hours(1)",
    "aws_cdk.TimeZone": "TimeZone.of('Asia/Tokyo')",
    "aws_cdk.aws_batch.Secret": "batch.Secret.from_secrets_manager(secret)",
    "aws_cdk.aws_batch.IJobQueue": "BatchCluster.job_queue",
    "aws_cdk.aws_ecs.ContainerImage": "ecs.ContainerImage.from_registry('repo:tag')",
    "aws_cdk.aws_logs.RetentionDays": "RetentionDays.ONE_MONTH",
    "aws_cdk.aws_secretsmanager.ISecret": "secretsmanager.Secret.from_secret_name_v2(self, 'Id', 'name')",
    "batch_stack.scheduled_job.RetryRule": "RetryRule('RETRY', on_status_reason='Host EC2*')",
    "datetime.datetime": "datetime(2030, 1, 1, tzinfo=UTC)",
}
_MAX_REPR = 60


class PropTypeError(TypeError):
    """A prop of the wrong type. ``str()``: ``<Construct> '<id>': <prop> must be <expected>, got <type> <value>``."""

    def __init__(
        self, construct: str, construct_id: object, prop: str, expected: str, value: object, *, hide: bool = False
    ) -> None:
        self.construct, self.construct_id, self.prop, self.expected, self.value = construct, construct_id, prop, expected, value
        super().__init__(f"{construct} '{construct_id}': {prop} must be {expected}, got {describe(value, hide=hide)}")


def checked_props(construct: str) -> Callable[[F], F]:
    """Check the arguments given to a construct's ``__init__`` (id: its ``construct_id``) or method (id: ``self.node.id``)."""

    def decorate(function: F) -> F:
        signature, is_init = inspect.signature(function), function.__name__ == "__init__"
        variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)  # *args, **kwargs: not checked
        props = [p.name for p in list(signature.parameters.values())[1:] if p.kind not in variadic]
        shown = {name: name if is_init else f"{function.__name__}({name})" for name in props}

        @functools.wraps(function)
        def checked(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            try:
                given = signature.bind(self, *args, **kwargs).arguments
            except TypeError:
                return function(self, *args, **kwargs)  # a missing or unknown argument: Python's own error
            hints = _hints(function)
            for name in props:
                if name in given and name in hints and (found := _problem(hints[name], given[name], shown[name])):
                    construct_id = given.get("construct_id") if is_init else self.node.id
                    where, hint, value = found
                    raise PropTypeError(construct, construct_id, where, expected(hint, value), value, hide=_is_secret(hint))
            return function(self, *args, **kwargs)

        return typing.cast(F, checked)

    return decorate


@functools.cache
def _hints(owner: Callable[..., Any] | type) -> dict[str, Any]:
    """The evaluated hints of a function or a dataclass; none when one does not evaluate (a name imported for type checkers)."""
    try:
        return typing.get_type_hints(owner)
    except Exception:  # noqa: BLE001 -- then nothing is checked
        return {}


def _problem(hint: Any, value: object, where: str) -> Problem | None:
    """None when ``value`` fits ``hint``, else where (inside it) and what does not fit."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _union_problem(hint, args, value, where)
    if not isinstance(origin, type):  # a plain class, or a hint not checked (Any, Literal[...], a TypeVar)
        if not isinstance(hint, type):
            return None
        if not _is_instance(value, hint):
            return where, hint, value
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return None
        fields = [(field.name, _hints(type(value)).get(field.name, Any)) for field in dataclasses.fields(value)]
        return next((p for name, h in fields if (p := _problem(h, getattr(value, name), f"{where}.{name}"))), None)
    if issubclass(origin, Mapping):
        if not isinstance(value, Mapping):
            return where, hint, value
        key_hint, value_hint = args or (Any, Any)
        for key, item in value.items():
            found = _problem(key_hint, key, f"{where} key {key!r}") or _problem(value_hint, item, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if issubclass(origin, Sequence) and not issubclass(origin, str | bytes):
        if not isinstance(value, Sequence) or isinstance(value, str | bytes | bytearray):
            return where, hint, value
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return None  # a fixed-length tuple: not checked
        item_hint = args[0] if args else Any
        return next((p for i, item in enumerate(value) if (p := _problem(item_hint, item, f"{where}[{i}]"))), None)
    return None  # Callable[...], type[...], ...: not checked


def _union_problem(hint: Any, members: tuple[Any, ...], value: object, where: str) -> Problem | None:
    if value is None and type(None) in members:
        return None
    if isinstance(value, str) and not isinstance(value, enum.Enum) and str in members and (enums := _enums(members)):
        allowed = "${Token[" in value or any(value == member.value for enum_class in enums for member in enum_class)
        return None if allowed else (where, hint, value)
    problems = []
    for member in members:
        found = _problem(member, value, where)
        if found is None:
            return None
        problems.append(found)
    return next((p for p in problems if p[0] != where), (where, hint, value))  # a wrong item inside says more


def _is_instance(value: object, cls: type) -> bool:
    if cls in _PRIMITIVES and cls is not str:
        if isinstance(value, bool):
            return cls is bool
        if cls is int:
            return isinstance(value, int) or (isinstance(value, float) and _is_number_token(value))
        return cls is float and isinstance(value, int | float)
    if getattr(cls, "_is_protocol", False) and not getattr(cls, "_is_runtime_protocol", False):
        if cls in type(value).__mro__:
            return True
        attributes = getattr(value, "__dict__", {})
        classes = [type(delegate) for delegate in _delegates(value)] or [type(value)]
        return all(name in attributes or any(hasattr(c, name) for c in classes) for name in _members(cls))
    try:
        return isinstance(value, cls)
    except TypeError:
        return True  # a class isinstance cannot check


@functools.cache
def _members(protocol: type) -> frozenset[str]:
    """The public members of a Protocol and of the Protocols it extends."""
    names: set[str] = set()
    for base in protocol.__mro__:
        if base.__module__ not in ("typing", "typing_extensions", "builtins"):
            names.update(vars(base), getattr(base, "__annotations__", {}))
    return frozenset(name for name in names if not name.startswith("_"))


def _delegates(value: object) -> list[object]:
    """The objects behind a jsii ``InterfaceDynamicProxy`` (what ``from_*`` imports return); [] for anything else."""
    if type(value).__name__ == "InterfaceDynamicProxy" and type(value).__module__.startswith("jsii"):
        return list(vars(value).get("_delegates", ()))
    return []


def _is_number_token(value: float) -> bool:
    """CDK encodes a number token as a double whose top 16 bits are 0xFBFF."""
    return struct.unpack("<Q", struct.pack("<d", value))[0] >> 48 == 0xFBFF


def _enums(members: tuple[Any, ...]) -> list[type[enum.Enum]]:
    return [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]


# ---------------------------------------------------------------------------- the message


def expected(hint: Any, value: object = None) -> str:
    """What ``hint`` asks for, as users write it: ``a cdk.Size (e.g. Size.mebibytes(2048))``, ``one of 'A', 'B'``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        members, parts = [m for m in args if m is not type(None)], []
        if str in members and (enums := _enums(args)):
            parts.append("one of " + ", ".join(repr(m.value) for enum_class in enums for m in enum_class))
            members = [m for m in members if m is not str and m not in enums]
        return " or ".join([*parts, *(expected(m, value) for m in members)])
    text, example = _bare(hint), _example(hint)
    if isinstance(origin, type) and issubclass(origin, Mapping):
        key_hint, value_hint = args or (Any, Any)
        text, example = f"a mapping of {_bare(key_hint)} to {_bare(value_hint)}", _example(value_hint)
        example = example and f"{{'NAME': {example}}}"
    elif isinstance(origin, type) and issubclass(origin, Sequence):
        item_hint = args[0] if args else Any
        text, example = f"a sequence of {_bare(item_hint)}", _example(item_hint)
        if isinstance(value, str) and not _problem(item_hint, value, ""):  # a str where a list of them is due
            example = _short_repr(value)
        example = example and f"[{example}]"
    elif hint in _PRIMITIVES:
        text = _PRIMITIVES[hint][0]
    elif isinstance(hint, type):
        text = ("an " if text[0].lower() in "aeiou" else "a ") + text
    return f"{text} (e.g. {example})" if example else text


def _bare(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_bare(m) for m in typing.get_args(hint) if m is not type(None))
    if hint in _PRIMITIVES:
        return _PRIMITIVES[hint][1]
    return type_name(hint) if isinstance(hint, type) else str(hint)


def _example(hint: Any) -> str | None:
    if not isinstance(hint, type):
        return None
    found = _EXAMPLES.get(f"{hint.__module__}.{hint.__qualname__}")
    if found is None and issubclass(hint, enum.Enum) and len(hint):
        found = f"{hint.__name__}.{next(iter(hint)).name}"
    return found


def type_name(cls: type) -> str:
    """``cdk.Size``, ``batch.IJobQueue``, ``lambda_.IFunction``, ``RetryRule``, ``int``: a class as users write it."""
    module, name = cls.__module__, cls.__qualname__
    if name.startswith("_") and name.endswith("Proxy"):  # jsii's class behind an abstract class or an interface
        name = name[1:].removesuffix("Proxy")
    if module == "aws_cdk":
        return f"cdk.{name}"
    if module.startswith("aws_cdk."):
        alias = module.rsplit(".", 1)[-1].removeprefix("aws_")
        return f"{alias}_.{name}" if alias == "lambda" else f"{alias}.{name}"
    return name


def _is_secret(hint: Any) -> bool:
    """A value given where a secret is due may be the secret itself: the message must not repeat it."""
    members = typing.get_args(hint) or (hint,)
    return any(isinstance(m, type) and "Secret" in m.__name__ for m in members)


def describe(value: object, *, hide: bool = False) -> str:
    """``int 4096``, ``str 'aaaa...'``, ``logs.LogGroup 'Stack/Logs'``: the value given, on one line.

    ``hide``: a str or number is shown by its length only (``str (hidden, 7 characters)``).
    """
    classes = [type(delegate) for delegate in _delegates(value)]
    kind = "+".join(type_name(c) for c in classes if c.__name__.endswith("Proxy")) or type_name(type(value))
    if hide and isinstance(value, str | int | float):
        return f"{kind} (hidden, {len(str(value))} characters)"
    shown = _short_repr(value)
    return f"{kind} {shown}" if shown else kind


def _short_repr(value: object) -> str:
    text = repr(value)
    if text.startswith("<") and " object at 0x" in text:  # a jsii object: its construct path, when it has one
        try:
            text = repr(value.node.path)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            return ""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) <= _MAX_REPR:
        return text
    quote = text[0] if text[0] in "'\"" else ""
    return text[: _MAX_REPR - 3 - len(quote)] + "..." + quote
