"""Team storage: registers (saved organisation lists), saved views and workspaces, in a database.

SQLAlchemy 2 over an embedded SQLite file in the user's data folder by default (no set-up), or the
PostgreSQL server named by ``NEEDSMAP_DATABASE_URL`` (``postgresql+psycopg://user:pass@host/db``) for
a team. The schema is created and upgraded by Alembic (:mod:`needsmap.store.migrations`) the first
time a process connects.

Modules: :mod:`~needsmap.store.db` (engine, sessions, migrations), :mod:`~needsmap.store.models`
(tables), :mod:`~needsmap.store.workspaces`, :mod:`~needsmap.store.registers`,
:mod:`~needsmap.store.views`, :mod:`~needsmap.store.lists` (``register:NAME`` wherever a list is
named). Every query is scoped to one workspace: there is no function that reads across them.
"""
