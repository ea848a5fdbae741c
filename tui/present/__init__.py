"""Words at the edge: how taskwatch words what the engine decides, for the TUI, the CLI,
reports and notifications (statuses, durations, notices, report formats, times the user types).

The engine never imports this layer: it emits decisions (a task ended, a deadline was missed),
and each front end words them here.
"""
