"""Temporary keys from IAM: an agency of another account assumed (as Huawei's Terraform provider
does it), and federation by an OIDC id-token (as the SDK's ``FederalAccessor``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.cloud.identity.iam import IamAnswer, call_iam, keys_from_answer
from tui.cloud.identity.keys import AskedSource, AuthKind, Keys, KeySource
from tui.cloud.identity.network import IdentityHttp
from tui.cloud.identity.static import read_token_file
from tui.cloud.redaction import register_secrets
from tui.errors import CredentialError

__all__ = ["AssumeSource", "IdpSource"]

_SECURITY_TOKENS = "/v3.0/OS-CREDENTIAL/securitytokens"
_ID_TOKEN_TOKENS = "/v3.0/OS-AUTH/id-token/tokens"  # noqa: S105 - a path


def _keys(answer: IamAnswer, what: str, now: float) -> Keys:
    if answer.status not in {200, 201}:
        raise CredentialError(f"{what} failed: {answer.error_text()}")
    if answer.body is None:
        raise CredentialError(f"{what}: IAM answered with something that is not JSON")
    return keys_from_answer(answer.body, what=f"IAM ({what})", now=now)


class AssumeSource(AskedSource):
    """An agency of another account, assumed with a source profile's keys.

    Args:
        base: Where the source keys come from (the ``source_profile``'s source).
        iam: IAM's base URL.
        agency_name: The agency to assume.
        domain_name: The account that made it (or ``domain_id``).
        domain_id: The account's ID, instead of its name.
        duration: Seconds the keys should live (15 min to 24 h).
    """

    kind: AuthKind = "assume"

    def __init__(
        self,
        base: KeySource,
        iam: str,
        *,
        agency_name: str,
        domain_name: str | None = None,
        domain_id: str | None = None,
        duration: int = 3600,
    ) -> None:
        if not agency_name or not (domain_name or domain_id):
            raise CredentialError(
                'auth = "assume" needs agency_name and agency_domain (or agency_domain_id)'
            )
        self.base = base
        self.iam = iam
        self.agency_name = agency_name
        self.domain = {"domain_name": domain_name} if domain_name else {"domain_id": domain_id}
        self.duration = duration
        account = domain_name or domain_id
        self.origin = f"agency {account}/{agency_name}, assumed with {base.origin}"
        self.identity = f"assume:{base.identity}:{account}:{agency_name}"

    @property
    def path(self) -> Path | None:
        return self.base.path

    async def fetch(self, http: IdentityHttp) -> Keys:
        """Assume the agency now: ``POST {iam}/v3.0/OS-CREDENTIAL/securitytokens``.

        Raises:
            CredentialError: IAM refused (a 403 names the agency), or answered no keys.
            NetworkError: IAM could not be reached.
        """
        source = await self.base.fetch(http)
        body = {
            "auth": {
                "identity": {
                    "methods": ["assume_role"],
                    "assume_role": {
                        "agency_name": self.agency_name,
                        **self.domain,
                        "duration_seconds": self.duration,
                    },
                }
            }
        }
        answer = await call_iam(
            http.iam, "POST", self.iam + _SECURITY_TOKENS, keys=source, skew=http.skew, body=body
        )
        account = next(iter(self.domain.values()))
        if answer.status == 403:
            raise CredentialError(
                f"IAM refused to let {self.base.origin} assume agency '{self.agency_name}' of "
                f"account '{account}': {answer.error_text()}. Check the agency's name, its "
                "account, and that it trusts the source account"
            )
        return _keys(
            answer, f"assuming agency '{self.agency_name}' of '{account}'", http.skew.now()
        )


class IdpSource(AskedSource):
    """Federation by an OIDC id-token: the token from the file (the IdP agent rewrites it, so it
    is read again at each renewal), exchanged for an IAM token, then for temporary keys.

    Args:
        iam: IAM's base URL.
        idp_id: The identity provider's ID in IAM.
        id_token_file: The file holding the id-token.
    """

    kind: AuthKind = "idp"

    def __init__(self, iam: str, *, idp_id: str, id_token_file: Path) -> None:
        if not idp_id or not str(id_token_file):
            raise CredentialError('auth = "idp" needs idp_id and id_token_file')
        self.iam = iam
        self.idp_id = idp_id
        self.id_token_file = id_token_file.expanduser()
        self.origin = f"identity provider {idp_id} (id-token {self.id_token_file})"
        self.identity = f"idp:{iam}:{idp_id}:{self.id_token_file}"

    async def fetch(self, http: IdentityHttp) -> Keys:
        """Exchange the id-token for an IAM token, then for temporary keys.

        Raises:
            CredentialError: The file is missing or empty, or IAM refused either step.
            NetworkError: IAM could not be reached.
        """
        token = read_token_file(self.id_token_file, "id-token file")
        body = {"auth": {"id_token": {"id": token}}}
        answer = await self._post(http, _ID_TOKEN_TOKENS, body, {"X-Idp-Id": self.idp_id})
        subject = answer.headers.get("X-Subject-Token", "")
        if answer.status not in {200, 201} or not subject:
            raise CredentialError(
                f"IAM did not accept the id-token of identity provider '{self.idp_id}': "
                f"{answer.error_text()}"
            )
        register_secrets([subject])
        exchange = {
            "auth": {
                "identity": {
                    "methods": ["token"],
                    "token": {"id": subject, "duration_seconds": 21600},
                }
            }
        }
        answer = await self._post(http, _SECURITY_TOKENS, exchange, {"X-Auth-Token": subject})
        return _keys(answer, f"federation through '{self.idp_id}'", http.skew.now())

    async def _post(
        self, http: IdentityHttp, path: str, body: Mapping[str, Any], headers: dict[str, str]
    ) -> IamAnswer:
        """An unsigned POST to IAM: the token in ``headers`` is the proof."""
        return await call_iam(
            http.iam, "POST", self.iam + path, keys=None, skew=http.skew, body=body, headers=headers
        )
