"""Xuncha (巡察): the platform core.

The core holds tenants, orgs, storage, the plugin system and the HTTP app;
everything else is a plugin on the hooks in :mod:`core.hookspecs`.
"""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__", "hookimpl"]

try:
    __version__ = version("xuncha")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+local"

from core.hookspecs import hookimpl  # the marker plugins import
