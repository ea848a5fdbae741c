"""The watchlist database: what is watched, what was seen, the follow rules and the refused
credentials, in SQLite (one file shared by every taskwatch process)."""

from tui.engine.storage.observations import Recorded
from tui.engine.storage.schema import SCHEMA_VERSION
from tui.engine.storage.store import Store
from tui.engine.storage.tasks import AddResult

__all__ = ["SCHEMA_VERSION", "AddResult", "Recorded", "Store"]
