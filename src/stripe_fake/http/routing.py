"""Route table: (method, path pattern) -> handler, with ``{name}`` path parameters."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..context import RequestContext

Handler = Callable[["RequestContext"], Any]
Auth = Literal["secret", "session"]
Host = Literal["api", "meter_events"]


@dataclass(frozen=True)
class Route:
    """One endpoint. ``name`` is ``resource.operation`` (used by fault injection and logs).

    ``object_type`` is the ``object`` of what a v1 write returns: its ``expand`` paths are checked
    against that type's expandable fields before the write executes.
    """

    method: str
    pattern: str
    handler: Handler
    name: str
    auth: Auth = "secret"
    host: Host = "api"
    object_type: str | None = None
    #: The handler proves the nesting depth of every v2 JSON body it accepts (and runs
    #: :func:`~stripe_fake.http.decoding.check_depth` on any other body before using it), so decoding
    #: skips the generic depth walk for this route.
    checks_depth: bool = False
    #: ``"v2"`` for ``/v2/`` patterns, else ``"v1"`` (computed once: it is read several times per request).
    api_mode: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_mode", "v2" if self.pattern.startswith("/v2/") else "v1")


_PARAM = re.compile(r"\{(\w+)\}")


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    """The compiled matcher of a path pattern (built once per process: every fake has a router)."""
    return re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", pattern) + "$")


class Router:
    """Matches a method and path to a route; static paths are a dict lookup."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._static: dict[tuple[str, str], Route] = {}
        self._dynamic: list[tuple[str, re.Pattern[str], Route]] = []
        self.routes: list[Route] = []
        for route in routes:
            self.add(route)

    def add(self, route: Route) -> None:
        self.routes.append(route)
        if "{" not in route.pattern:
            self._static[(route.method, route.pattern)] = route
            return
        self._dynamic.append((route.method, _regex(route.pattern), route))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        route = self._static.get((method, path))
        if route is not None:
            return route, {}
        for route_method, regex, candidate in self._dynamic:
            if route_method != method:
                continue
            found = regex.match(path)
            if found is not None:
                return candidate, found.groupdict()
        return None
