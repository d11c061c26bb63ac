"""Reading a member's home (``/dashboard/``) the way a person does: its role sections, and each
block's count and links."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import BeautifulSoup
from django.urls import reverse


@dataclass
class ShownBlock:
    title: str
    count: int | None
    url: str
    links: list[tuple[str, str]]  # (href, text) of every link in the block, in order
    text: str


def home(client) -> dict[str, dict[str, ShownBlock]]:
    """{role: {block key: ShownBlock}} as the home shows them to ``client``'s member."""
    response = client.get(reverse("network:dashboard"))
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    roles = {}
    for section in page.select("section.home-role"):
        role = section["aria-labelledby"].removeprefix("role-")
        blocks = {}
        for card in section.select("li.home-block"):
            heading = card.find("h3")
            count = heading.select_one(".home-count")
            blocks[card["id"].removeprefix("block-")] = ShownBlock(
                title=heading.a.get_text(strip=True),
                count=int(count.get_text()) if count else None,
                url=heading.a["href"],
                links=[(a["href"], a.get_text(" ", strip=True)) for a in card.find_all("a")],
                text=" ".join(card.get_text(" ").split()),
            )
        roles[role] = blocks
    return roles
