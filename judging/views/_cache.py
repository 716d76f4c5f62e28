"""Rendered page parts kept per process under the data revision they were rendered at.

Only for parts that are expensive to compute and identical for every user allowed to see
them (no CSRF token, no user's name, no clock): the ranking of a round's category, read by
the secretariat and the committee over and over while nothing changes. The revision
(models/revision.py) goes up with every committed write, so a part cached under revision R is
served only to requests that read R before loading anything, and never once anything changed.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app
from markupsafe import Markup

from judging.extensions import db
from judging.models import current_revision


class PartCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._parts: OrderedDict[tuple[int, Hashable], Markup] = OrderedDict()
        self._revision = -1
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(self, revision: int | None, key: Hashable,
                      render: Callable[[], Markup]) -> Markup:
        """The part cached under (revision, key), else render() (cached when revision is known)."""
        if revision is None or self.size <= 0:
            return render()
        with self._lock:
            part = self._parts.get((revision, key))
            if part is not None:
                self._parts.move_to_end((revision, key))
                self.hits += 1
                return part
            self.misses += 1
        part = render()
        with self._lock:
            if revision > self._revision:  # anything older can never be served again
                self._parts.clear()
                self._revision = revision
            if revision == self._revision:
                self._parts[(revision, key)] = part
                while len(self._parts) > self.size:
                    self._parts.popitem(last=False)
        return part


def part_cache() -> PartCache:
    cache = current_app.extensions.get("judging_parts")
    if cache is None:
        cache = current_app.extensions["judging_parts"] = PartCache(
            current_app.config.get("PAGE_PART_CACHE_SIZE", 64))
    return cache


def revision_now() -> int | None:
    """Read before anything the cached part shows (see the module's docstring)."""
    return current_revision(db.session)
