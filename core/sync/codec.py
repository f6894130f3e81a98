"""Envelopes on the wire: msgspec JSON, decoded by type and version.

The receiver first reads the envelope with the payload left raw, then
decodes the payload with the event type it knows under that name. A type it
does not know, or a newer version of one, is not an error: the envelope is
kept in the inbox as ``stored`` (a later upgrade can apply it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from core.events import Envelope, Event
from core.plugins import PluginError, Plugins

__all__ = ["Catalog", "Incoming", "catalog", "decode", "encode", "payload_of"]

_encoder = msgspec.json.Encoder()


class Incoming(msgspec.Struct, frozen=True, kw_only=True):
    """An envelope as received: the payload not yet decoded."""

    id: str
    type: str
    version: int
    origin: str
    entity: str
    occurred_at: datetime
    payload: msgspec.Raw
    target: str = ""


_incoming = msgspec.json.Decoder(Incoming)


@dataclass(frozen=True)
class Catalog:
    """Event types of the loaded plugins by type name: the class, the declaring
    plugin, and the direction it travels in (from ``xuncha_sync_subjects``)."""

    types: dict[str, type[Event]]
    plugin_of: dict[str, str]
    direction_of: dict[str, str]

    def known(self, incoming: Incoming) -> type[Event] | None:
        """The class to decode ``incoming`` with, or None when its type or version is unknown."""
        cls = self.types.get(incoming.type)
        if cls is None or incoming.version > cls.version:
            return None
        return cls


_catalogs: dict[tuple[int, tuple[str, ...]], Catalog] = {}


def catalog(plugins: Plugins) -> Catalog:
    """The event catalog of ``plugins`` (cached until the set of plugins changes)."""
    key = (id(plugins), tuple(plugins.names))
    found = _catalogs.get(key)
    if found is None:
        types: dict[str, type[Event]] = {}
        plugin_of: dict[str, str] = {}
        for name, classes in plugins.collect_now("xuncha_event_types"):
            for cls in classes:
                tag = str(cls.__struct_config__.tag)
                types[tag], plugin_of[tag] = cls, name
        direction_of: dict[str, str] = {}
        for name, subjects in plugins.collect_now("xuncha_sync_subjects"):
            for declared in subjects:
                for verb in declared.verbs:
                    tag = f"{declared.entity}.{verb}"
                    if plugin_of.get(tag) != name:
                        raise PluginError(f"插件 {name} 声明的同步主题 {tag} 不是它的事件类型")
                    direction_of[tag] = declared.direction
        found = _catalogs[key] = Catalog(types, plugin_of, direction_of)
    return found


def encode(envelope: Envelope, target: str = "") -> bytes:
    """The wire form of ``envelope``; ``target`` names the receiving tenant."""
    data: dict[str, Any] = msgspec.to_builtins(envelope)
    data["target"] = target
    return _encoder.encode(data)


def decode(body: bytes | str) -> Incoming:
    """Read an envelope, leaving the payload raw.

    Raises:
        msgspec.DecodeError: the body is not an envelope.
    """
    return _incoming.decode(body)


def payload_of(incoming: Incoming, cls: type[Event]) -> Event:
    """Decode the payload of ``incoming`` as ``cls``.

    Raises:
        msgspec.ValidationError: the payload does not fit the type.
    """
    return msgspec.json.decode(incoming.payload, type=cls)
