"""Credentials that last the window: where keys come from, how long they live, and who renews
them.

One small module per source, each a :class:`~tui.cloud.identity.keys.KeySource`:
:mod:`static` (environment, INI file, token file), :mod:`ecs` (the ECS metadata service),
:mod:`agency` (an assumed agency, OIDC federation), :mod:`koocli` (KooCLI's profiles); the
SDK's order when a profile names none (:mod:`chain`); the project ID looked up in IAM
(:mod:`projects`); and :class:`~tui.cloud.identity.live.LiveCredential`, the one thing the rest
of taskwatch sees: a credential that can sign now and says when it expires.

Import the modules themselves: this package's own import stays cheap (no httpx), so that reading
a profile costs nothing before the first paint.
"""
