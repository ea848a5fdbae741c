"""The Textual app: composition, bindings, widgets and the messages that carry engine events."""
