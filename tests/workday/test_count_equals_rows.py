"""Every count link on every overview, board and dashboard opens a list of exactly that many items.

The links carry `data-figure-count` (the number shown) and the lists mark each counted item with
`data-item`; the walk follows every page of the list and adds the rows up.
"""

from __future__ import annotations

import re
from html import unescape

from django.core.management import call_command
from django.test import Client

from tests.workday.conftest import OVERVIEW_PERSONAS, client_for

COUNT_LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*data-figure="([^"]+)" data-figure-count="(\d+)"')
NEXT = re.compile(r'<a [^>]*href="([^"]+)" rel="next"')

#: The pages whose numbers must match their lists, per persona.
PAGES = {
    "prosecutor.a": ["/overview/"],
    "paralegal.a": ["/overview/"],
    "manager.a": ["/overview/", "/progression/board/", "/assurance/dashboard/"],
    "unithead.a": ["/overview/", "/progression/board/", "/assurance/dashboard/", "/oversight/"],
    "area.a": ["/overview/", "/progression/board/", "/oversight/"],
    "hq.analyst": ["/overview/", "/oversight/", "/assurance/dashboard/"],
    "inspector": ["/overview/", "/oversight/"],
    "police.x": ["/overview/"],
}


def count_links(client: Client, url: str) -> list[tuple[str, str, int]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [(unescape(href), key, int(n)) for href, key, n in COUNT_LINK.findall(response.content.decode())]


def rows_behind(client: Client, href: str) -> int:
    total, url, seen = 0, href, set()
    while url and url not in seen:
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        total += html.count("data-item>") + html.count("data-item ")
        found = NEXT.search(html)
        url = unescape(found.group(1)) if found else ""
        if url.startswith("?"):
            url = href.split("?")[0] + url
    return total


def test_every_count_link_lists_exactly_the_items_it_counts(demo) -> None:
    call_command("oversight_refresh", verbosity=0)  # the dashboard reads stored tallies: fresh ones
    checked, nonzero, mismatches = 0, 0, []
    for persona in OVERVIEW_PERSONAS:
        client = client_for(persona)
        for page in PAGES[persona]:
            links = count_links(client, page)
            assert links or page != "/overview/", f"{persona}: the overview shows no count links"
            for href, key, count in links:
                rows = rows_behind(client, href)
                checked += 1
                nonzero += bool(count)
                if rows != count:
                    mismatches.append(f"{persona} {page} {key}: shows {count}, lists {rows} ({href})")
    assert mismatches == []
    assert checked > 60 and nonzero > 15, (checked, nonzero)


def test_every_role_lands_on_its_overview(demo) -> None:
    for persona in OVERVIEW_PERSONAS:
        response = client_for(persona).get("/", follow=True)
        assert response.redirect_chain[-1][0] == "/overview/", persona
        assert b"There are no cases here yet" not in response.content
