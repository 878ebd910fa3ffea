"""Translation layer. Source strings are French; other languages can be added with catalogues."""

from __future__ import annotations

import gettext

VOWELS = "aeéèêëiîïoôuùûyhAEÉÈÊIÎOÔUYH"


class FrenchSource(gettext.NullTranslations):
    """The French source strings themselves, with French plurals: 0 and 1 take the singular."""

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return msgid1 if abs(n) < 2 else msgid2


_translations: gettext.NullTranslations = FrenchSource()


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def plural(count: int, singular: str, plural_form: str) -> str:
    """« 1 enfant », « 0 enfant », « 3 enfants »: the count and its noun, in the right number."""
    return ngettext("%(num)d " + singular, "%(num)d " + plural_form, count) % {"num": count}


def of(noun: str) -> str:
    """« de » before `noun`, elided before a vowel or a mute h: « d'orientations », « de parcours »."""
    return f"d'{noun}" if noun[:1] in VOWELS else f"de {noun}"


def translations() -> gettext.NullTranslations:
    return _translations


JINJA_GLOBALS = {"plural": plural, "of_noun": of}
