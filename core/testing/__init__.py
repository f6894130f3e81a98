"""Testing support shipped with Xuncha, for the project's tests and for plugin authors.

- :mod:`core.testing.pytest_plugin`: the pytest plugin (entry point ``pytest11``
  ``xuncha``) with the ``xuncha_*`` fixtures: a migrated app on SQLite or
  PostgreSQL, tenants, clients per role, a moved clock, a nats-server, an
  event recorder;
- :mod:`core.testing.database`: scratch databases, settings, migrating;
- :mod:`core.testing.tree`: the small tenant tree of the tests;
- :mod:`core.testing.clients`: clients acting as one account, an authorised team;
- :mod:`core.testing.events`: the event recorder.

Nothing is imported here, so loading the pytest plugin imports no more than it needs.
"""

__all__: list[str] = []
