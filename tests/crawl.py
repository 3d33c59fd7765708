"""Following the portal's links as a signed-in person would, from /home/, for the test that
reads every page of each role and for the benchmark that times them (bench/crawl.py).

Only pages are followed: not signing out, switching language, downloads (PDF, spreadsheets,
XML, images), static files, the API, the admin or file templates."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

from django.http import HttpResponse

SKIP = re.compile(
    r"(/logout|/i18n/|\.(pdf|xlsx|csv|xml|png|jpe?g)$|/static/|/media/|export=|/api/|"
    r"/admin/|/documents/|/images/|template\.)"
)


class PageText(HTMLParser):
    """The links of a page and the text a person reads (not scripts, styles or attributes)."""

    def __init__(self):
        super().__init__()
        self.links, self.text, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


@dataclass(frozen=True)
class Visit:
    """One GET of the crawl: the path asked for, the answer, and for an HTML page that
    answered 2xx the text a person reads on it ("" otherwise)."""

    path: str
    response: HttpResponse
    text: str


def links_follow(
    get: Callable[[str], HttpResponse], *, start: str = "/home/", limit: int = 150
) -> Iterator[Visit]:
    """GET ``start`` with ``get`` (a signed-in test client's ``get``, or one that times it),
    then every page it links to on this site, breadth first, each path once, up to ``limit``
    paths; a redirect is followed to its target."""
    seen: set[str] = set()
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = get(path)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
        html = "text/html" in response.get("Content-Type", "")
        if response.status_code >= 300 or not html:
            yield Visit(path, response, "")
            continue
        page = PageText()
        page.feed(response.content.decode())
        yield Visit(path, response, " ".join(page.text))
        for href in page.links:
            target = urlparse(urljoin(path, href))
            if target.netloc or not target.path.startswith("/") or SKIP.search(href):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen:
                queue.append(link)
