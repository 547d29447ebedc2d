"""The twin of one identity: its documents, their metadata trees and versions.

Documents hold no `$`-keys; `$metadata` and `$version` are kept beside them and added only
when the twin is rendered, so patches and queries work on plain JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fleethub.hub import ids

JSON = dict[str, Any]


@dataclass(slots=True)
class TwinState:
    tags: JSON = field(default_factory=dict)
    desired: JSON = field(default_factory=dict)
    reported: JSON = field(default_factory=dict)
    desired_metadata: JSON = field(default_factory=dict)
    reported_metadata: JSON = field(default_factory=dict)
    desired_version: int = 1
    reported_version: int = 1
    version: int = 1

    @property
    def etag(self) -> str:
        return ids.twin_etag(self.version)


def with_metadata(doc: JSON, metadata: JSON, version: int) -> JSON:
    """A section as Azure renders it: the document plus `$metadata` and `$version`.

    >>> with_metadata({"a": 1}, {"$lastUpdated": "t", "a": {"$lastUpdated": "t"}}, 3)
    {'a': 1, '$metadata': {'$lastUpdated': 't', 'a': {'$lastUpdated': 't'}}, '$version': 3}
    """
    return {**doc, "$metadata": metadata, "$version": version}
