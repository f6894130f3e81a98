"""Up and down the hierarchy (上下联动): what counties report to their city and
what the city sends down, carried by sync as typed events."""

from core.api import hookimpl


@hookimpl
def xuncha_piccolo_apps() -> list[str]:
    return ["plugins.linkage.piccolo_app"]
