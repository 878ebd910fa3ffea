"""Translation layer. Source strings are French; other languages can be added with catalogues."""

from __future__ import annotations

import gettext

_translations = gettext.NullTranslations()


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def translations() -> gettext.NullTranslations:
    return _translations
