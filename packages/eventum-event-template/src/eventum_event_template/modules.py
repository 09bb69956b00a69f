"""`module` in templates: `rand`, `faker`, `mimesis` seeded from the plugin's random source, and
any importable module by name. Faker and Mimesis load on first use."""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Iterable
from random import Random
from typing import Any

from eventum_event_template.rand import Rand


class _Cached:
    """Looks a name up once (`_load`), then serves it as an attribute: `x.name`, `x['name']`."""

    def _load(self, name: str) -> Any:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._load(name)
        setattr(self, name, value)
        return value

    def __getitem__(self, name: str) -> Any:
        cached = self.__dict__.get(name)
        if cached is None:
            cached = self._load(name)
            setattr(self, name, cached)
        return cached


class FakerLocale(_Cached):
    """One seeded `Faker(locale)`; provider methods are resolved once and kept."""

    def __init__(self, fake: Any) -> None:
        self._fake = fake
        self._generator = fake.factories[0]

    def _load(self, name: str) -> Any:
        fake = self.__dict__["_fake"]
        # Proxy features (unique, optional, seed_instance, ...) live on the Faker proxy.
        if name in type(fake).__dict__ or name in fake.__dict__:
            return getattr(fake, name)
        return getattr(self.__dict__["_generator"], name)


class _FakerLocales(_Cached):
    def __init__(self, rng: Random) -> None:
        self._rng = rng

    def _load(self, name: str) -> Any:
        from faker import Faker

        try:
            fake = Faker(name)
        except AttributeError:
            raise KeyError(f"unknown Faker locale {name!r}") from None
        fake.seed_instance(self.__dict__["_rng"].getrandbits(64))
        return FakerLocale(fake)


class FakerModule:
    """`module.faker.locale['en_US']` (or `.locale.en_US`): a cached, seeded Faker."""

    def __init__(self, rng: Random) -> None:
        self.locale = _FakerLocales(rng)


class _MimesisLocales(_Cached):
    def __init__(self, rng: Random) -> None:
        self._rng = rng

    def _load(self, name: str) -> Any:
        from mimesis import Generic, Locale

        try:
            locale = Locale(name)
        except ValueError:
            raise KeyError(f"unknown Mimesis locale {name!r}") from None
        return Generic(locale, seed=self.__dict__["_rng"].getrandbits(64))


_SPECS = {
    "brazil": "BrazilSpecProvider",
    "denmark": "DenmarkSpecProvider",
    "italy": "ItalySpecProvider",
    "netherlands": "NetherlandsSpecProvider",
    "poland": "PolandSpecProvider",
    "russia": "RussiaSpecProvider",
    "ukraine": "UkraineSpecProvider",
    "usa": "USASpecProvider",
}


class _MimesisSpecs(_Cached):
    def __init__(self, rng: Random) -> None:
        self._rng = rng

    def _load(self, name: str) -> Any:
        if name not in _SPECS:
            raise KeyError(f"unknown Mimesis spec {name!r} (known: {', '.join(_SPECS)})")
        try:
            builtins = importlib.import_module("mimesis.builtins")
        except ImportError:
            import mimesis

            raise KeyError(
                f"mimesis {mimesis.__version__} has no country spec providers "
                "(mimesis.builtins was removed in mimesis 12)"
            ) from None
        return getattr(builtins, _SPECS[name])(seed=self.__dict__["_rng"].getrandbits(64))


class MimesisModule:
    """`module.mimesis.locale['en']` (a seeded `Generic`), `.spec[...]`, `.enums`, `.random`."""

    def __init__(self, rng: Random) -> None:
        import mimesis.enums
        import mimesis.random

        self.locale = _MimesisLocales(rng)
        self.spec = _MimesisSpecs(rng)
        self.enums = mimesis.enums
        self.random = mimesis.random


class ModuleProvider(_Cached):
    """The `module` global. `module.random` is the plugin's seeded `random.Random`."""

    def __init__(self, rng: Random) -> None:
        self._rng = rng
        self.rand = Rand(rng)

    def _load(self, name: str) -> Any:
        rng = self.__dict__["_rng"]
        if name == "faker":
            return FakerModule(rng)
        if name == "mimesis":
            return MimesisModule(rng)
        if name == "random":
            return rng
        return importlib.import_module(name)


_LOCALE_USE = re.compile(
    r"module\.(?P<lib>faker|mimesis)\.locale(?:\.(?P<attr>\w+)|\[\s*['\"](?P<key>[\w-]+)['\"]\s*\])"
)


def warm_up(modules: ModuleProvider, sources: Iterable[str]) -> None:
    """Make the seeded Faker and Mimesis instances the templates name now rather than at their
    first use.

    Done when event workers may be forked from this process: they share the data these load
    instead of each loading its own copy. Done the same way whatever the worker count, so the
    random draws, and the events, do not depend on it.
    """
    for source in sources:
        for use in _LOCALE_USE.finditer(source):
            locales = getattr(modules, use["lib"]).locale
            # An unknown locale is reported by the render that uses it.
            with contextlib.suppress(AttributeError, ValueError, KeyError):
                locales[use["attr"] or use["key"]]
