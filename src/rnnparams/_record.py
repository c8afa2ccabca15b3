"""Frozen records: what `@dataclass(frozen=True)` gives, without importing `dataclasses` at start-up.

`count` must start about as fast as Python itself. On a slow machine `import dataclasses` (which pulls in
`inspect`) costs more than the interpreter's own start, and each decorated class another millisecond of
generated code. A record is built here in microseconds with one shared `__init__`; type checkers see a
real frozen dataclass (`dataclass_transform`), and the behaviour that matters is the same: keyword or
positional construction with defaults and factories, value equality and hashing, `repr`, immutability,
and `replace()`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import FrozenInstanceError, field, replace
    from typing import TypeVar

    from typing_extensions import dataclass_transform

    _T = TypeVar("_T")

    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def record(cls: type[_T]) -> type[_T]: ...
else:
    _MISSING = object()

    class FrozenInstanceError(AttributeError):
        """Assigning to a field of a record (the same message as dataclasses')."""

    class _Factory:
        __slots__ = ("make",)

        def __init__(self, make):
            self.make = make

    def field(*, default_factory):
        return _Factory(default_factory)

    def _fields(cls):
        names, defaults = [], {}
        for klass in reversed(cls.__mro__):
            for name, annotation in klass.__dict__.get("__annotations__", {}).items():  # noqa: RUF063 (no inspect)
                if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                    continue
                if name not in names:
                    names.append(name)
                if name in klass.__dict__:
                    defaults[name] = klass.__dict__[name]
        return tuple(names), defaults

    def _init(self, *args, **kwargs):
        cls = type(self)
        names, defaults = cls.__record_fields__, cls.__record_defaults__
        if not kwargs and len(args) <= len(names):  # positional only, the common case: no dict of values
            set_field = object.__setattr__
            for name, value in zip(names, args):  # noqa: B905 (names is the longer)
                set_field(self, name, value)
            for name in names[len(args):]:
                value = defaults.get(name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
                set_field(self, name, value.make() if isinstance(value, _Factory) else value)
            return
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments but {len(args)} were given")
        values = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
            values[key] = value
        set_field = object.__setattr__
        for name in names:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                value = defaults.get(name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
                if isinstance(value, _Factory):
                    value = value.make()
            set_field(self, name, value)

    def _values(self):
        return tuple(getattr(self, name) for name in self.__record_fields__)

    def _eq(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)

    def _hash(self):
        return hash(_values(self))

    def _repr(self):
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
        return f"{type(self).__qualname__}({inner})"

    def _frozen(self, name, value=None):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def record(cls):
        cls.__record_fields__, cls.__record_defaults__ = _fields(cls)
        for name, value in cls.__record_defaults__.items():
            if isinstance(value, _Factory):
                delattr(cls, name) if name in cls.__dict__ else None
        cls.__init__ = _init
        cls.__eq__ = _eq
        cls.__hash__ = _hash
        cls.__repr__ = _repr
        cls.__setattr__ = _frozen
        cls.__delattr__ = _frozen
        return cls

    def replace(obj, /, **changes):
        names = obj.__record_fields__
        for key in changes:
            if key not in names:
                raise TypeError(f"{type(obj).__name__}() got an unexpected keyword argument {key!r}")
        return type(obj)(*[changes[name] if name in changes else getattr(obj, name) for name in names])


__all__ = ["FrozenInstanceError", "field", "record", "replace"]
