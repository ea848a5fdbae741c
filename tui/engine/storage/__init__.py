"""The watchlist database: what is watched, what was seen, the follow rules and the refused
credentials, in SQLite (one file shared by every taskwatch process)."""

from tui.engine.storage.store import SCHEMA_VERSION, AddResult, Recorded, Store

__all__ = ["SCHEMA_VERSION", "AddResult", "Recorded", "Store"]
