"""The watch engine: settings, task records, the SQLite watchlist, the poller and the session.

UI-agnostic: it imports the cloud layer and never Textual, the UI or the CLI.
"""
