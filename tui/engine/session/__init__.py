"""The watch session: the live watchlist of one process and everything a front end can do to
it; it owns the poller and keeps the "never lock the AK" rule across processes."""

from tui.engine.session.health import Connection
from tui.engine.session.session import Clock, WatchSession

__all__ = ["Clock", "Connection", "WatchSession"]
