"""Asking the cloud: which task to ask about when, through which gate, and what each answer
or error means (the poller, roll calls, steps, discovery for the follow rules)."""
