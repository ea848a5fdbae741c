"""taskwatch: watch the Task Center jobs of Huawei Cloud databases from a terminal."""

import logging

__version__ = "0.1.0"

# A library never prints on its own: without a configured handler, log records go nowhere
# (the app and the CLI configure a log file; nothing must reach a terminal the TUI owns).
logging.getLogger(__name__).addHandler(logging.NullHandler())
