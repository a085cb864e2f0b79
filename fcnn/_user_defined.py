"""User-defined activations and costs: the one place that tells them from the built-in
ones, checks a user's class, and rebuilds one from a model file's config.

A function is built-in when it is an instance of the class its name selects and computes
what that class computes (a subclass may change its repr, not its maths); any other is
user-defined, and a network with one runs its forward pass and back-propagation in NumPy
(fcnn/_numpy_core.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CustomObjects = Mapping[str, type]
"""User-defined classes by the name each one sets, as `fcnn.load` takes them."""


def is_user_defined(function: Any, builtins: Mapping[str, type], methods: tuple[str, ...]) -> bool:
    """Whether `function` is not the built-in one of its name: not an instance of its class,
    or one that defines one of `methods` (the maths) anew."""
    builtin = builtins.get(function.name)
    return (
        builtin is None
        or not isinstance(function, builtin)
        or any(
            getattr(type(function), method) is not getattr(builtin, method) for method in methods
        )
    )


def check(function: Any, base: type, builtins: Mapping[str, type], methods: tuple[str, ...]) -> Any:
    """`function` itself, if built-in or a complete user-defined subclass of `base`.

    Raises
    ------
    TypeError
        If a user-defined class sets no name, or leaves one of `methods` to `base`.
    ValueError
        If it takes the name of a built-in function.
    """
    if not is_user_defined(function, builtins, methods):
        return function
    kind = base.__name__.lower()
    cls = type(function).__name__
    name = function.name
    if not isinstance(name, str) or not name:
        raise TypeError(
            f"user-defined {kind} {cls} must set `name`, a non-empty str (for reprs and "
            f"model files), got {name!r}"
        )
    if name in builtins:
        raise ValueError(
            f"user-defined {kind} {cls} takes the name {name!r} of a built-in {kind} but "
            "computes its own values; built-in names cannot be shadowed: choose another"
        )
    missing = [
        method for method in methods if getattr(type(function), method) is getattr(base, method)
    ]
    if missing:
        raise TypeError(
            f"user-defined {kind} {cls} must define {' and '.join(missing)} "
            f"(see fcnn.{base.__module__.split('.')[-1]}.{base.__name__})"
        )
    return function


def rebuild(
    config: dict[str, Any],
    custom_objects: CustomObjects | None,
    base: type,
    builtins: Mapping[str, type],
    methods: tuple[str, ...],
) -> Any:
    """The user-defined function that `config` (a name not built-in, and the keyword
    arguments of its class) describes, made from `custom_objects`' class of that name.

    Raises
    ------
    ValueError
        If `custom_objects` holds no class of that name, or one whose instance has
        another name.
    TypeError
        If that class is not a subclass of `base`, or the config's arguments do not fit it.
    """
    kind = base.__name__.lower()
    name = config["name"]
    cls = (custom_objects or {}).get(name)
    if cls is None:
        raise ValueError(
            f"unknown {kind} {name!r}: neither built-in ({', '.join(sorted(builtins))}) nor "
            f"given; if it is user-defined, pass its class: custom_objects={{{name!r}: "
            f"YourClass}}"
        )
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(
            f"custom_objects[{name!r}] must be a subclass of {base.__name__}, got {cls!r}"
        )
    arguments = {key: value for key, value in config.items() if key != "name"}
    try:
        function: Any = cls(**arguments)
    except TypeError as error:
        raise TypeError(
            f"custom_objects[{name!r}], {cls.__name__}, does not take the arguments "
            f"{arguments} of the {kind}'s config: {error}"
        ) from error
    if function.name != name:
        raise ValueError(f"custom_objects[{name!r}] makes the {kind} {function.name!r}")
    return check(function, base, builtins, methods)
