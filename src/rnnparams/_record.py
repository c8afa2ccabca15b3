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
    from operator import attrgetter

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
            # a record base's defaults as it recorded them: its factories are no longer class attributes
            defaults.update(klass.__dict__.get("__record_defaults__", {}))
            for name, annotation in klass.__dict__.get("__annotations__", {}).items():  # noqa: RUF063 (no inspect)
                if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                    continue
                if name not in names:
                    names.append(name)
                if name in klass.__dict__:
                    defaults[name] = klass.__dict__[name]
        return tuple(names), defaults

    def _init(self, *args, **kwargs):
        # The values go into the instance's __dict__ in one update: records are built by the hundred thousand on
        # a long chain, and a loop of object.__setattr__ calls was the single largest cost of every verb.
        cls = type(self)
        names = cls.__record_fields__
        if not kwargs and len(args) == len(names):  # every field given in order (counting builds these by the
            self.__dict__.update(zip(names, args))  # noqa: B905   thousand): nothing to check or default
            return
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments but {len(args)} were given")
        values = dict(cls.__record_plain__)
        values.update(zip(names, args))  # noqa: B905 (names is the longer)
        if kwargs:
            given = names[:len(args)]
            for key in kwargs:
                if key not in cls.__record_names__:
                    raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {key!r}")
                if key in given:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
            values.update(kwargs)
        if len(values) < len(names):
            for name in names:
                if name not in values:
                    factory = cls.__record_defaults__.get(name)
                    if factory is None:
                        raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
                    values[name] = factory.make()
        self.__dict__.update(values)

    def _values(self):
        return self.__record_get__(self)

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
        cls.__record_names__ = frozenset(cls.__record_fields__)
        cls.__record_plain__ = tuple((name, value) for name, value in cls.__record_defaults__.items()
                                     if not isinstance(value, _Factory))
        names = cls.__record_fields__
        getter = attrgetter(*names) if names else (lambda obj: ())
        cls.__record_get__ = staticmethod(getter if len(names) != 1 else lambda obj: (getter(obj),))
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
        if not changes.keys() <= obj.__record_names__:
            key = next(k for k in changes if k not in obj.__record_names__)
            raise TypeError(f"{type(obj).__name__}() got an unexpected keyword argument {key!r}")
        new = object.__new__(type(obj))  # every field is given: what _init would check is known
        values = new.__dict__
        values.update(obj.__dict__)  # a record's __dict__ holds its fields, every one (_init fills them all)
        values.update(changes)
        return new


__all__ = ["FrozenInstanceError", "field", "record", "replace"]
