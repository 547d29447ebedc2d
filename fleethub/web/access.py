"""What each role may do in the portal, beyond the checks the hub's services make.

The hub checks permissions for every caller (an operator's Principal cannot write models),
but IoT Hub lets any registry writer change configurations, as Azure does for service
credentials. The portal follows IoT Central's roles instead: operators run the fleet,
builders also shape it (models, configurations, deployments), administrators also manage
API tokens and users. Templates ask `user.can(BUILD)`; POST handlers call `require()`.
"""

from __future__ import annotations

from fleethub.hub.errors import Forbidden
from fleethub.web.sessions import User

#: Models, configurations and deployments: builders and administrators.
BUILD = "MODELS_WRITE"
#: API tokens, users and settings changes: administrators.
ADMINISTER = "API_TOKENS"

_WHO = {BUILD: "builders and administrators", ADMINISTER: "administrators"}


def require(user: User, permission: str) -> None:
    """Forbidden (a 403 page) unless the user's role holds `permission`."""
    if not user.can(permission):
        raise Forbidden(
            f"Only {_WHO.get(permission, permission)} may do this; you are {user.role}."
        )
