"""The watchlist database as one object: each table's methods in a module of its own.

``Store`` is the tables put together over one connection (:class:`Database`), so that one
transaction discipline and one recovery path serve them all; read a module to read a table.
"""

from __future__ import annotations

from tui.engine.storage.credentials import CredentialRows
from tui.engine.storage.lease import LeaseRows
from tui.engine.storage.observations import ObservationRows
from tui.engine.storage.rules import RuleRows
from tui.engine.storage.tasks import TaskRows

__all__ = ["Store"]


class Store(TaskRows, ObservationRows, RuleRows, CredentialRows, LeaseRows):
    """The watchlist database: :meth:`~Database.open` it; not shared across threads.

    - :class:`~tui.engine.storage.tasks.TaskRows`: what is watched (add, remove, label,
      deadline);
    - :class:`~tui.engine.storage.observations.ObservationRows`: what the cloud said, and the
      history of it;
    - :class:`~tui.engine.storage.rules.RuleRows`: the follow rules;
    - :class:`~tui.engine.storage.credentials.CredentialRows`: refused credentials and probe
      claims;
    - :class:`~tui.engine.storage.lease.LeaseRows`: which process polls the watchlist.
    """
