"""Case lists that find the work: filter panel, search by defendant, sorts, numbered pagination, status."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from django.urls import reverse

from casework.cases import services
from tests.factories import Personas, make_case


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def rows(html: str) -> int:
    return html.count("data-item>")


def test_filters_combine_search_finds_defendants_and_count_is_in_title(client, personas: Personas) -> None:
    manager = personas.manager_a
    allocated = make_case(actor=manager, allocated_lawyer_id=personas.prosecutor_a.pk, operation_name="Operation Ash")
    unallocated = make_case(actor=manager, operation_name="Operation Birch")
    services.defendant_add(actor=manager, case=unallocated, first_names="Jo", last_name="Quennell")
    client.force_login(manager)
    url = reverse("cases:unit")

    everything = page(client, url)
    assert rows(everything) == 2 and "<title>" in everything and "(2)" in everything
    assert "Showing 1–2 of 2 cases" in everything

    # "Work needed: Ready to allocate" keeps the case without a prosecutor, and shows its status.
    ready = page(client, f"{url}?work=allocate")
    assert rows(ready) == 1 and unallocated.urn in ready and allocated.urn not in ready
    assert "Ready to allocate" in ready and "Allocate a prosecutor" in ready
    # The selected filter is shown with a link that removes it.
    assert "Selected filters" in ready and "Remove this filter" in ready
    remove = re.search(r'<a class="moj-filter__tag" href="([^"]+)"', ready).group(1)
    assert "work=allocate" not in remove

    # Options in a group combine with OR; groups with AND.
    either = page(client, f"{url}?work=allocate&work=overdue")
    assert rows(either) == 1
    both = page(client, f"{url}?work=allocate&stage=trial")
    assert rows(both) == 0 and "No cases match these filters" in both

    # Search by a defendant's name (any part), URN or operation name.
    for text in ("quenn", unallocated.urn, "birch"):
        found = page(client, f"{url}?q={text}")
        assert rows(found) == 1 and unallocated.urn in found, text


def test_numbered_pagination_and_sort_by_next_hearing(client, personas: Personas) -> None:
    manager = personas.manager_a
    cases = [make_case(actor=manager, allocated_lawyer_id=personas.prosecutor_a.pk) for _ in range(53)]
    soon, later = cases[10], cases[20]
    in_days = lambda days: (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()  # noqa: E731
    services.hearing_add(actor=manager, case=later, hearing_type="trial", starts_at=in_days(40), court="Winchester")
    services.hearing_add(actor=manager, case=soon, hearing_type="ptph", starts_at=in_days(3), court="Winchester")
    client.force_login(manager)
    url = reverse("cases:unit")

    first = page(client, url)
    assert "Showing 1–50 of 53 cases" in first and rows(first) == 50
    assert 'rel="next"' in first and 'aria-label="Page 2"' in first
    second = page(client, f"{url}?page=2")
    assert "Showing 51–53 of 53 cases" in second and rows(second) == 3

    by_hearing = page(client, f"{url}?sort=hearing")
    assert by_hearing.index(soon.urn) < by_hearing.index(later.urn) < by_hearing.index(cases[0].urn)
