"""Setting up: the settings and profiles, every filesystem path, the log, and the clients
built from them (the runtime)."""
