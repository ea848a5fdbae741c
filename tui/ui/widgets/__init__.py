"""The TUI's widgets and screens."""
