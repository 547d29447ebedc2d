"""The `$cbs` node: put-token requests (AMQP Claims-Based Security draft; wire spec §7).

Request: application properties ``operation = "put-token"``, ``type =
"servicebus.windows.net:sastoken"``, ``name = <audience>``; body: amqp-value token string.
Response: status 200 when the token verifies (claims.py), 401 when it does not, 400 for
anything else; the token then covers link attaches below its resource.
"""

from __future__ import annotations

import logging

from fleethub.hub.errors import Unauthorized
from fleethub.transports.amqp.message import AmqpMessage
from fleethub.transports.amqp.replies import RequestNode, app_property, response

log = logging.getLogger(__name__)

ADDRESS = "$cbs"
TOKEN_TYPES = ("servicebus.windows.net:sastoken", "azure-devices.net:sastoken")


class CbsNode(RequestNode):
    address = ADDRESS

    def answer(self, request: AmqpMessage) -> AmqpMessage:
        operation = app_property(request, "operation")
        if operation != "put-token":
            return response(request, 400, f"Unsupported $cbs operation '{operation}'.")
        if app_property(request, "type") not in TOKEN_TYPES:
            return response(request, 400, "Only SAS tokens are supported.")
        token = request.value
        if isinstance(token, bytes):
            token = token.decode("utf-8", "replace")
        if not isinstance(token, str):
            return response(request, 400, "The token must be an amqp-value string.")
        try:
            claim = self.peer.claims.put(token)
        except Unauthorized as error:
            log.info("CBS token refused: %s", error.message)
            return response(request, 401, error.message)
        log.debug("CBS token for %r accepted until %s", claim.scope, claim.expires)
        return response(request, 200, "OK")
