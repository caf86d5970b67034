"""Every form view's base class declares `perform` abstract; a routed view that forgot to
implement it would fail only when someone submits the form. This catches it at test time."""

import inspect

from django.urls import URLPattern, URLResolver, get_resolver


def routed_view_classes(patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routed_view_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None:
                yield pattern.name, view_class


def test_no_routed_view_is_abstract():
    classes = list(routed_view_classes())
    assert len(classes) > 20
    assert [(name, cls.__name__) for name, cls in classes if inspect.isabstract(cls)] == []
