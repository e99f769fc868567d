"""The plugin registry, Moodle-style: one entry-point group per plugin type.

A plugin type is registered by the package that owns it with :func:`register_type` (for
example ``lms.notify`` for delivery channels, ``lms.video`` for video rooms), naming a
``typing.Protocol`` that documents its hooks once. Each plugin is an object published in the
group ``lms.<type>`` under the name ``<type>_<name>``; it carries ``name`` and ``version``
(:class:`PluginMeta`). At start-up every installed plugin is loaded and checked: a wrong name,
a missing version or a missing hook stops the app with :class:`PluginError`, loudly, rather
than failing later in a request. Built-in plugins are published through the same entry points
in ``pyproject.toml`` as an outside package would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from flask import Flask, current_app


class PluginError(RuntimeError):
    """An installed plugin does not meet its type's contract."""


@runtime_checkable
class PluginMeta(Protocol):
    """What every plugin carries, whatever its type."""

    #: ``<type>_<name>``, the same as its entry-point name, e.g. ``video_jitsi``.
    name: str
    #: The plugin's own version, ``MAJOR.MINOR`` or ``MAJOR.MINOR.PATCH``.
    version: str


@dataclass(frozen=True)
class PluginType:
    name: str
    protocol: type
    description: str

    @property
    def group(self) -> str:
        return f"lms.{self.name}"


_TYPES: dict[str, PluginType] = {}
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")


def register_type(name: str, protocol: type, description: str) -> PluginType:
    """Declare a plugin type; its plugins are found in the entry-point group ``lms.<name>``."""
    plugin_type = PluginType(name, protocol, description)
    _TYPES[name] = plugin_type
    return plugin_type


def plugin_types() -> dict[str, PluginType]:
    return dict(_TYPES)


def check(plugin_type: PluginType, entry_name: str, plugin: Any) -> None:
    """Raise PluginError unless ``plugin`` meets the contract of ``plugin_type``."""
    where = f"{plugin_type.group}:{entry_name}"
    if not isinstance(plugin, PluginMeta):
        raise PluginError(f"{where} has no name or version")
    if plugin.name != entry_name or not plugin.name.startswith(f"{plugin_type.name}_"):
        raise PluginError(
            f"{where} calls itself {plugin.name!r}; it must be named "
            f"'{plugin_type.name}_<name>' as its entry point is"
        )
    if not isinstance(plugin.version, str) or not _VERSION.match(plugin.version):
        raise PluginError(f"{where} has version {plugin.version!r}, expected like '1.0'")
    if not isinstance(plugin, plugin_type.protocol):
        missing = [hook for hook in _hooks(plugin_type.protocol) if not hasattr(plugin, hook)]
        raise PluginError(f"{where} lacks the hooks {sorted(missing)} of {plugin_type.group}")


def _hooks(protocol: type) -> set[str]:
    """The members a Protocol requires (``__protocol_attrs__`` exists only from Python 3.12)."""
    names = getattr(protocol, "__protocol_attrs__", None)
    if names is not None:
        return set(names)
    annotated = set(getattr(protocol, "__annotations__", {}))
    return annotated | {k for k, v in vars(protocol).items() if callable(v) and k[0] != "_"}


def discover(plugin_type: PluginType) -> dict[str, Any]:
    """Load and check every installed plugin of one type."""
    found: dict[str, Any] = {}
    for ep in entry_points(group=plugin_type.group):
        if ep.name in found:
            raise PluginError(f"two plugins are installed as {plugin_type.group}:{ep.name}")
        try:
            obj = ep.load()
        except Exception as e:
            raise PluginError(f"{plugin_type.group}:{ep.name} cannot be loaded: {e}") from e
        plugin = obj() if isinstance(obj, type) else obj
        check(plugin_type, ep.name, plugin)
        found[ep.name] = plugin
    return found


def plugins(type_name: str) -> dict[str, Any]:
    """The loaded plugins of one type, by name."""
    return current_app.extensions["lms.plugins"].get(type_name, {})


def init_app(app: Flask) -> None:
    """Load every plugin of every registered type, before any request or signal."""
    from . import notify, video  # noqa: F401  (declare the lms.notify and lms.video types)

    app.extensions["lms.plugins"] = {name: discover(t) for name, t in _TYPES.items()}
