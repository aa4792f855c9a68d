"""A crawler over the demo city, in chromium 320 CSS pixels wide, in French and in English,
following the links a visitor, a resident, a mediator and an administrator see. It fails on any
page that breaks the Content-Security-Policy (own origin, scripts and styles by nonce,
enforced), that axe finds a serious or critical WCAG 2.2 AA violation on, that scrolls sideways
at 320 px (WCAG 1.4.10 reflow), that shows text of the other language (read from the project's
own catalogs; residents' own words carry a `lang` attribute and are exempt) — those three on
every page but Redoc's and Django's admin — or that answers a server error."""

from __future__ import annotations

import re
from collections import deque
from functools import cache
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from playwright.sync_api import Browser, ConsoleMessage, ViewportSize

from civic.middleware import SESSION_LANGUAGE
from civic.models import User
from tests.a11y import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Links a crawler must not follow: leaving, downloads and feeds, machine formats, destructive
# admin pages, and the admin's long tail (one change page per model is plenty).
SKIP = re.compile(
    r"/(accounts/logout|admin/logout|admin/password_change|admin/r/)"
    r"|\.(geojson|atom|json|xml|csv|zip|png|jpe?g|webp)$"
    r"|/(delete|history)/$|/download/$|/api/(?!docs/)|/healthz|/open311/"
)
LIMIT = {"visitor": 30, "resident": 25, "mediator": 15, "admin": 35}
# The one violation expected: Redoc (the API docs page) hard-codes the Redocly logo from its CDN;
# the policy blocks it, so the docs page makes no third-party request.
EXPECTED = re.compile(r"^/api/docs/: .*image 'https://cdn\.redoc\.ly/[^']*' violates .* blocked")
# WCAG 1.4.10: content reflows at 320 CSS pixels without scrolling in two dimensions.
NARROW: ViewportSize = {"width": 320, "height": 640}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
# The elements that stick out past the screen's right edge, to say where a page overflows.
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter((e) => !e.parentElement.closest(".civic-table-scroll, .leaflet-container"))
  .slice(-3).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (typeof e.className === "string" && e.className.trim()
       ? "." + e.className.trim().split(/\\s+/).join(".") : ""))"""
# The text a reader sees: text nodes outside scripts, hidden elements and elements that say their
# own language (a resident's words, a language's name in the switcher).
VISIBLE_TEXTS = """() => {
  const texts = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    const skip = "script, style, template, [hidden], [lang]:not(html)";
    if (!text || !parent || parent.closest(skip)) continue;
    if (!parent.checkVisibility()) continue;
    texts.add(text);
  }
  return [...texts];
}"""


@cache
def other_language_texts() -> dict[str, frozenset[str]]:
    """Per page language, the catalogs' texts that belong to the other language only: on a
    French page an English msgid translated otherwise; on an English page such a French msgstr."""
    english: set[str] = set()
    french: set[str] = set()
    for path in sorted(Path(settings.BASE_DIR).glob("**/locale/fr/LC_MESSAGES/django.po")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        for entry in polib.pofile(str(path)):
            if entry.obsolete or "fuzzy" in entry.flags or entry.msgid_plural or not entry.msgstr:
                continue
            if entry.msgstr.strip() != entry.msgid.strip() and re.search("[A-Za-z]", entry.msgid):
                english.add(" ".join(entry.msgid.split()))
                french.add(" ".join(entry.msgstr.split()))
    return {"fr": frozenset(english - french), "en": frozenset(french - english)}


@pytest.fixture
def demo_city(tmp_path: Path) -> dict[str, str]:
    """The demo city; returns role → email. Passwords are those seed_demo wrote."""
    with override_settings(CIVIC_DEMO_CREDENTIALS_FILE=tmp_path / "credentials.txt"):
        call_command("seed_demo", stdout=StringIO())
    return {
        "resident": "alice@civic.example",
        "mediator": "mediateur@civic.example",
        "admin": "admin@civic.example",
    }


def _crawl(
    browser: Browser, base: str, limit: int, cookies: list[dict[str, Any]], language: str
) -> list[str]:
    context = browser.new_context(locale=LOCALES[language], viewport=NARROW)
    context.add_cookies(cookies)
    context.add_cookies([{"name": "civic_language", "value": language, "url": base}])
    page = context.new_page()
    complaints: list[str] = []
    current = {"url": ""}

    def on_console(message: ConsoleMessage) -> None:
        complaint = f"{current['url']}: {message.text}"
        if "Content Security Policy" in message.text and not EXPECTED.match(complaint):
            complaints.append(complaint[:400])

    page.on("console", on_console)
    seen: set[str] = set()
    queue: deque[str] = deque(["/"])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        current["url"] = path
        response = page.goto(base + path)
        assert response is not None
        if response.status >= 500:
            complaints.append(f"{path}: HTTP {response.status}")
            continue
        page.wait_for_load_state("networkidle")
        if not path.startswith(("/api/docs/", "/admin/")):  # Redoc's page and Django's admin
            for violation in serious_violations(page):
                targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                complaints.append(f"{path}: axe {violation['id']}: {violation['help']} ({targets})")
            wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if wider > 0:
                culprits = ", ".join(page.evaluate(OVERFLOWING))
                complaints.append(f"{path}: scrolls sideways by {wider}px at 320 px ({culprits})")
            foreign = other_language_texts()[language]
            for text in page.evaluate(VISIBLE_TEXTS):
                if text in foreign:
                    complaints.append(f"{path}: not in the page's language ({language}): {text!r}")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urldefrag(href).url
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != base or SKIP.search(parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link not in seen:
                queue.append(link)
    context.close()
    assert len(seen) >= min(limit, 8), f"the crawler only reached {sorted(seen)}"
    return complaints


def _session_cookie(live_server: Any, user: User, language: str) -> list[dict[str, Any]]:
    """Signed in, with the language picked in this session (it wins over the account's)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_LANGUAGE] = language
    session.save()
    value = client.cookies["sessionid"].value
    return [{"name": "sessionid", "value": value, "url": live_server.url}]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("persona", ["visitor", "resident", "mediator", "admin"])
def test_it_every_page_keeps_to_the_csp_is_accessible_and_fits_a_320px_screen(
    browser: Browser, live_server: Any, demo_city: dict[str, str], persona: str, language: str
) -> None:
    cookies = (
        []
        if persona == "visitor"
        else _session_cookie(live_server, User.objects.get(email=demo_city[persona]), language)
    )

    complaints = _crawl(browser, live_server.url, LIMIT[persona], cookies, language)

    assert complaints == [], "\n".join(complaints)
