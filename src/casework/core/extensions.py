"""How apps hook into each other: one way, declared on each app's AppConfig.

The app that owns a hook defines an `ExtensionPoint`, named after the AppConfig attribute that
other apps set to take part:

    # casework/cases/services.py (owns the hook)
    TRANSITION_GUARDS = ExtensionPoint[StageGuard]("case_stage_guards", "...")

    # casework/assurance/apps.py (takes part)
    class AssuranceConfig(AppConfig):
        case_stage_guards = ("casework.assurance.services.blocking_checkpoint_refusal",)

A contribution is a dotted path, imported the first time the owner asks for it (so declaring
never creates an import cycle, and a lower layer never imports a higher one), or a plain value
such as a schedule entry (a point made with `paths=False` takes its strings as they are, e.g.
template names). A keyed point takes a mapping of name -> contribution. Contributions
come in INSTALLED_APPS order. The points of the project are listed in docs/development.md.

No Django signals, module-level registries filled at import time or lists appended to from
`ready()`: what an app contributes can be read in its apps.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

T = TypeVar("T")

_POINTS: list[ExtensionPoint[Any]] = []


def _resolve(value: Any, where: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return import_string(value)
    except ImportError as error:
        raise ImproperlyConfigured(f"{where} names {value!r}, which cannot be imported: {error}") from error


class ExtensionPoint(Generic[T]):
    """A hook other apps take part in by setting the AppConfig attribute `name`."""

    def __init__(self, name: str, purpose: str, *, paths: bool = True) -> None:
        self.name = name
        self.purpose = purpose
        self.paths = paths
        self._items: list[tuple[str, T]] | None = None
        self._keyed: dict[str, T] | None = None
        _POINTS.append(self)

    def __repr__(self) -> str:
        return f"ExtensionPoint({self.name!r})"

    def declarations(self) -> list[tuple[str, str, Any]]:
        """(app label, key, declared value) for every declaration, unresolved: for tests and docs.
        The key is the mapping key for a keyed point, else the position in the app's tuple."""
        found: list[tuple[str, str, Any]] = []
        for config in apps.get_app_configs():
            declared = getattr(config, self.name, None)
            if declared is None:
                continue
            if isinstance(declared, Mapping):
                found.extend((config.label, str(key), value) for key, value in declared.items())
            elif isinstance(declared, list | tuple):
                found.extend((config.label, str(index), value) for index, value in enumerate(declared))
            else:
                raise ImproperlyConfigured(
                    f"{type(config).__name__}.{self.name} must be a tuple or a mapping, not {type(declared).__name__}."
                )
        return found

    def _resolved(self) -> list[tuple[str, T]]:
        if self._items is None:
            apps.check_apps_ready()
            self._items = [
                (key, _resolve(value, f"{label}.{self.name}") if self.paths else value)
                for label, key, value in self.declarations()
            ]
        return self._items

    def contributions(self) -> list[T]:
        """Every contribution, resolved, in INSTALLED_APPS order."""
        return [item for _, item in self._resolved()]

    def __iter__(self) -> Iterator[T]:
        return iter(self.contributions())

    def __len__(self) -> int:
        return len(self._resolved())

    def by_key(self) -> dict[str, T]:
        """A keyed point's contributions by name. Two apps declaring one name is a configuration error."""
        if self._keyed is None:
            keyed: dict[str, T] = {}
            for key, item in self._resolved():
                if key in keyed:
                    raise ImproperlyConfigured(f"{self.name}: {key!r} is declared by two apps.")
                keyed[key] = item
            self._keyed = keyed
        return self._keyed

    def forget(self) -> None:
        """Read the declarations again on next use (after INSTALLED_APPS changes in a test)."""
        self._items = None
        self._keyed = None


def points() -> list[ExtensionPoint[Any]]:
    """Every extension point defined so far (those of modules already imported)."""
    return list(_POINTS)


@receiver(setting_changed)
def _forget_on_installed_apps_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "INSTALLED_APPS":
        for point in _POINTS:
            point.forget()
