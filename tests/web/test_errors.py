"""Every domain error has a page in the portal (fleethub/web/errors.py), as in every API face."""

from __future__ import annotations

import inspect

from fleethub.hub import errors
from fleethub.web.errors import STATUS


def test_every_domain_error_is_mapped() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.HubError) and cls is not errors.HubError
    ]
    assert [cls.__name__ for cls in classes if cls not in STATUS] == []
    assert all(400 <= status < 600 for status, _ in STATUS.values())
