"""The watch engine: task records and events, the SQLite watchlist, polling, the session.

UI-agnostic: it imports the cloud layer and never Textual, the UI, the CLI or the words of
:mod:`tui.present`. Its packages: ``setup`` (settings, paths, clients), ``storage`` (SQLite),
``polling`` (asking the cloud), ``session`` (the live watchlist a front end drives).
"""
