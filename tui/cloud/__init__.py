"""Talking to the Task Center: wire models, endpoints, signing, credentials, the async client.

The bottom layer: it imports nothing from the engine, the UI or the CLI.
"""
