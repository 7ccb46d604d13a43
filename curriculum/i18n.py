"""Locales, locale selection, Khmer digits and dates."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_date as babel_format_date
from flask import current_app, has_app_context, request
from flask_babel import Domain, get_locale
from flask_login import current_user

from curriculum.khmer import TO_KHMER_DIGITS as KHMER_DIGITS

LOCALES = {"km": "ខ្មែរ", "en": "English"}
DEFAULT_LOCALE = "km"
COOKIE = "lang"


class CorrectedDomain(Domain):
    """The interface's translations, with the reviewers' corrections laid on top.

    services/review.py puts (revision, {English: Khmer}) in app.extensions
    ["ui_corrections"] and empties the cache when they change; each freshly loaded
    catalogue is corrected once, so a request pays nothing for it.
    """

    def get_translations(self):
        """Return the translations of this request's locale, corrected."""
        translations = super().get_translations()
        if not has_app_context() or str(get_locale()) != "km":
            return translations
        revision, texts = current_app.extensions.get("ui_corrections", (0, {}))
        if getattr(translations, "_corrections_revision", 0) != revision:
            catalog = getattr(translations, "_catalog", None)
            if catalog is not None:
                catalog.update(texts)
            translations._corrections_revision = revision
        return translations


def use_corrected_translations(babel) -> None:
    """Make Flask-Babel's domain the corrected one (once per process)."""
    if not isinstance(babel.__dict__.get("domain_instance"), CorrectedDomain):
        babel.__dict__["domain_instance"] = CorrectedDomain(domain="messages")


def forget_translations(babel) -> None:
    """Reload the catalogues at the next request (the corrections changed)."""
    domain = babel.__dict__.get("domain_instance")
    if domain is not None:
        domain.cache.clear()


def explicit_locale() -> str | None:
    """Return the locale asked for in this request's ?lang=, if valid."""
    lang = request.args.get("lang")
    return lang if lang in LOCALES else None


def select_locale() -> str:
    """Pick the locale: explicit choice, user preference, cookie, browser, Khmer."""
    choice = explicit_locale()
    if choice:
        return choice
    if current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    cookie = request.cookies.get(COOKIE)
    if cookie in LOCALES:
        return cookie
    preferred = [lang.replace("-", "_") for lang, _ in request.accept_languages]
    found = negotiate_locale(preferred, list(LOCALES), sep="_")
    return found or DEFAULT_LOCALE


def current_locale() -> str:
    """Return the code of the locale of this request."""
    return str(get_locale() or DEFAULT_LOCALE)


def khmer_digits(value) -> str:
    """Return the value as text with Khmer digits when the locale is Khmer."""
    text = str(value)
    return text.translate(KHMER_DIGITS) if current_locale() == "km" else text


def format_duration(milliseconds: int) -> str:
    """Format a length of time as minutes:seconds (1:05), Khmer digits in Khmer."""
    seconds = max(0, round(milliseconds / 1000))
    return khmer_digits(f"{seconds // 60}:{seconds % 60:02d}")


def format_number(value, digits: int = 0) -> str:
    """Format a number for the current locale, with Khmer digits in Khmer."""
    if digits:
        text = f"{value:,.{digits}f}"
    else:
        text = f"{round(value):,}" if isinstance(value, float) else f"{value:,}"
    return khmer_digits(text)


def format_day(value: datetime) -> str:
    """Format a date with the month's name in the current locale, Khmer digits in Khmer."""
    return format_day_in(value, current_locale())


def format_day_in(value: datetime | date, locale: str) -> str:
    """Format a date or a timestamp in the given locale (for bilingual pages too)."""
    if isinstance(value, datetime):
        tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
        value = value.astimezone(ZoneInfo(tz)).date()
    text = babel_format_date(value, format="long", locale=Locale.parse(locale))
    return text.translate(KHMER_DIGITS) if locale == "km" else text


def local_today() -> date:
    """Return today's date in Cambodia (the server may run on UTC)."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def track_title(key: str) -> str:
    """Return a track's title in the page's language (the key if no such track)."""
    track = current_app.extensions["catalog"].track(key)
    return track.title[current_locale()] if track else key
