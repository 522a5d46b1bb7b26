"""HR: an opening with many candidates lists its invitations a page at a time (newest first), searchable, with
an htmx partial; only the opening's owner (or those it is shared with) sees them."""

from __future__ import annotations

import re

from sqlmodel import select

from exam.models import Invitation
from exam.services.invitation_links import INVITATIONS_PER_PAGE
from exam.services.sample import seed_opening

HX = {"HX-Request": "true", "HX-Target": "invitations"}


def _row_ids(text: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="inv-(\d+)"', text)]


def test_invitations_in_pages_with_search(client, session, login_as) -> None:  # type: ignore[no-untyped-def]
    hr = login_as("hr")
    sample = seed_opening(session, INVITATIONS_PER_PAGE + 20, with_answers=False, created_by=hr, in_progress=3)
    session.commit()
    opening = sample.opening
    ids = sorted(session.exec(select(Invitation.id).where(Invitation.opening_id == opening.id)).all(), reverse=True)
    total = INVITATIONS_PER_PAGE + 23
    assert len(ids) == total
    first = client.get(f"/hr/openings/{opening.id}")
    assert first.status_code == 200 and f"({total})" in first.text
    assert _row_ids(first.text) == ids[:INVITATIONS_PER_PAGE]  # newest first, one page
    assert 'rel="next"' in first.text and f"/hr/openings/{opening.id}?page=2#invitations" in first.text
    second = client.get(f"/hr/openings/{opening.id}?page=2", headers=HX)
    assert second.status_code == 200 and second.text.lstrip().startswith('<section class="card" id="invitations"')
    assert "<html" not in second.text and _row_ids(second.text) == ids[INVITATIONS_PER_PAGE:]
    assert 'aria-current="page">2<' in second.text
    # graded candidates link to their report; the rows carry their status
    assert re.search(r'href="/hr/attempts/\d+"', first.text)
    # a page past the end shows the last page; nonsense is the first page
    assert _row_ids(client.get(f"/hr/openings/{opening.id}?page=99").text) == ids[INVITATIONS_PER_PAGE:]
    assert _row_ids(client.get(f"/hr/openings/{opening.id}?page=-3").text) == ids[:INVITATIONS_PER_PAGE]
    # search by name, e-mail or phone; LIKE wildcards are taken literally
    target = session.get(Invitation, ids[-1])
    found = client.get(f"/hr/openings/{opening.id}", params={"q": target.email}, headers=HX)  # type: ignore[union-attr]
    assert _row_ids(found.text) == [ids[-1]] and f'value="{target.email}"' in found.text  # type: ignore[union-attr]
    none = client.get(f"/hr/openings/{opening.id}", params={"q": "%"}, headers=HX)
    assert none.status_code == 200 and _row_ids(none.text) == [] and "没有与“%”匹配的邀请" in none.text


def test_another_hr_user_does_not_see_the_invitations(client, session, login_as, make_user) -> None:  # type: ignore[no-untyped-def]
    owner = make_user("hr", "owner-hr")
    sample = seed_opening(session, 5, with_answers=False, created_by=owner)
    session.commit()
    login_as("hr")
    for headers in ({}, HX):
        response = client.get(f"/hr/openings/{sample.opening.id}?page=1", headers=headers, follow_redirects=False)
        assert response.status_code in (403, 404) and "inv-" not in response.text
