"""Every URL pattern of the project, by name, from Django's resolver."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    kwargs: tuple[str, ...]
    defaults: tuple[tuple[str, object], ...]


def _walk(resolver: URLResolver, prefix: str, namespace: str | None) -> list[Route]:
    routes = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            routes += _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            parameters = tuple(pattern.pattern.regex.groupindex)
            routes.append(Route(name, prefix + str(pattern.pattern), parameters, tuple(pattern.default_args.items())))
    return routes


def all_routes() -> list[Route]:
    return _walk(get_resolver(), "", None)


def unnamed_routes() -> list[str]:
    def walk(resolver: URLResolver, prefix: str) -> list[str]:
        found = []
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern, prefix + str(pattern.pattern))
            elif not pattern.name:
                found.append(prefix + str(pattern.pattern))
        return found

    return walk(get_resolver(), "")
