"""piccolo configuration, so piccolo's own tools see Xuncha's apps.

``core.db.migrate`` replaces ``DB`` and ``APP_REGISTRY`` at run time with
the engine and apps of the running process. On import (for ``piccolo
migrations new <app> --auto`` in development, with
``PICCOLO_CONF=core.piccolo_conf``) the engine comes from the settings and
the apps are the built-in ones.
"""

from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from core.db.engine import create_engine
from core.settings import load_settings

__all__ = ["APP_REGISTRY", "DB"]

DB: Engine[Any] = create_engine(load_settings().database_admin_url)
# The built-in apps; a plugin outside this tree lists its own in a conf of its own.
APP_REGISTRY = AppRegistry(apps=["core.piccolo_app", "plugins.linkage.piccolo_app",
                                 "plugins.village_coverage.piccolo_app",
                                 "plugins.talent_pool.piccolo_app",
                                 "plugins.elevated_cross.piccolo_app",
                                 "plugins.evaluation.piccolo_app"])
