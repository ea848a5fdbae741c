"""Telling the team: the session's events sent to chat groups and webhooks (Apprise URLs).

A layer of its own between the words (:mod:`tui.present`) and the front ends: the TUI and
``taskwatch watch`` build a :class:`~tui.team.notifier.TeamNotifier` from the ``[[notify]]``
tables and subscribe it to their session. Apprise itself is imported only when a message is
first sent, in a sending thread.
"""
