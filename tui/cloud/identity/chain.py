"""Without ``auth`` in a profile: the sources the official SDK tries, in its order — the
environment, the credentials file, the ECS metadata service."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tui.cloud.identity.ecs import MetadataSource
from tui.cloud.identity.keys import AskedSource, AuthKind, Keys, KeySource
from tui.cloud.identity.network import IdentityHttp
from tui.cloud.identity.static import EnvSource, IniSource, keys_from_env
from tui.errors import CredentialError, NetworkError

__all__ = ["LastResort", "default_chain"]


class LastResort(AskedSource):
    """The ECS metadata service as the chain's last source: off ECS, its silence becomes an
    error that names every source tried.

    Args:
        metadata: The metadata service.
        tried: What was tried before it, and why each gave nothing.
    """

    kind: AuthKind = "ecs"

    def __init__(self, metadata: MetadataSource, tried: list[str]) -> None:
        self.metadata = metadata
        self.tried = tried
        self.origin = metadata.origin
        self.identity = metadata.identity

    async def fetch(self, http: IdentityHttp) -> Keys:
        """The metadata service's keys, or an error naming every source tried."""
        try:
            return await self.metadata.fetch(http)
        except NetworkError as exc:
            sources = "; ".join([*self.tried, f"{self.metadata.origin}: {exc}"])
            raise CredentialError(
                f"no credentials found. Tried, in the SDK's order: {sources}. Set "
                "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK, write the credentials file, or set "
                "auth in the profile (see `taskwatch check`)"
            ) from None


def default_chain(
    env: Mapping[str, str], credentials_file: Path, metadata_endpoint: str
) -> KeySource:
    """The first source that has keys: the environment, the file, else the metadata service.

    Args:
        env: The environment.
        credentials_file: The SDK's INI file (``~/.huaweicloud/credentials`` or as overridden).
        metadata_endpoint: The ECS metadata service.

    Returns:
        The source that answered (the metadata service is only asked at the first request).

    Raises:
        CredentialError: The environment has half a key pair, or the file is unusable.
    """
    if keys_from_env(env) is not None:
        return EnvSource(env)
    file = credentials_file.expanduser()
    if file.exists():
        return IniSource(file)
    tried = [
        "environment: HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK not set",
        f"{file}: does not exist",
    ]
    return LastResort(MetadataSource(metadata_endpoint), tried)
