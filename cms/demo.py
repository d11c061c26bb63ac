"""Demo stories for ``manage.py seed_demo``, with hero images drawn here (nothing is downloaded). Safe to run twice.

``seed_bulk`` adds published stories in proportion to the bulk members (``seed_demo --members N``).
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images.models import Image
from wagtail.rich_text import RichText

from cms.models import StoryIndexPage, StoryPage
from network.models import Organisation, Sector, User

STORIES = [
    (
        "success",
        "Raqam Pay pays 540 freelancers the same day",
        "fintech",
        "Raqam Pay",
        "A Lahore payroll startup cut the wait for overseas payments from three weeks to a day.",
        [("540", "freelancers paid", "verified by NIC Lahore"), ("USD 310,000", "paid out a month", "")],
        "Hina Farooqi met her first mentor on Rabta, a payments engineer in San Francisco, eight months ago.",
        (11, 93, 59),
    ),
    (
        "nation",
        "Why Karachi's AI engineers are exporting to Riyadh",
        "ai-data",
        "",
        "Arabic and Urdu language models built in Karachi now serve customers across the Gulf.",
        [("14", "AI startups exporting", ""), ("3", "new markets in a year", "")],
        "Centres of excellence are judged by what leaves them: products, revenue and exports.",
        (26, 84, 140),
    ),
    (
        "success",
        "Dukaan OS signs its first customers in Dubai",
        "saas",
        "Dukaan OS",
        "A point-of-sale system for corner shops finds a second home market abroad.",
        [("120", "shops in the UAE", ""), ("USD 18,000", "monthly export revenue", "verified")],
        "Two diaspora mentors in Dubai opened the first doors.",
        (140, 70, 20),
    ),
    (
        "news",
        "Export Builders 2027 opens for applications",
        "",
        "",
        "National Incubation Centre Lahore's six-month cohort for B2B software selling abroad.",
        [("6", "months of mentoring and milestones", "")],
        "Applications close in thirty days; tranches are tied to verified milestones.",
        (90, 40, 110),
    ),
]


def hero_image(title: str, colour: tuple[int, int, int]) -> Image:
    """A 1600×900 banner in ``colour`` with the title written on it, saved as a Wagtail image."""
    canvas = PILImage.new("RGB", (1600, 900), colour)
    draw = ImageDraw.Draw(canvas)
    for step in range(0, 900, 6):  # a soft diagonal band, so the images are not flat
        shade = tuple(min(255, c + step // 12) for c in colour)
        draw.line([(0, step), (1600, step + 400)], fill=shade, width=6)
    try:
        font = ImageFont.load_default(size=72)
    except TypeError:
        font = ImageFont.load_default()
    draw.text((80, 700), title[:38], font=font, fill=(255, 255, 255))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=82)
    image = Image(title=title)
    image.file = ImageFile(buffer, name=f"{title[:40].lower().replace(' ', '-')}.jpg")
    image.save()
    return image


def seed(command, *, accounts: dict) -> None:
    index = StoryIndexPage.objects.first()
    if index is None or StoryPage.objects.exists():
        return
    today = timezone.localdate()
    for n, (kind, title, sector, startup, standfirst, figures, paragraph, colour) in enumerate(STORIES):
        story = StoryPage(
            title=title,
            kind=kind,
            standfirst=standfirst,
            author="Nadia Hashmi",
            date=today - timedelta(days=7 * n + 1),
            hero_image=hero_image(title, colour),
            hero_alt=f"A banner reading “{title}”.",
            featured=n < 3,
            body=[
                ("paragraph", RichText(f"<p>{paragraph}</p>")),
                *[("key_figure", {"value": v, "label": label, "source": source}) for v, label, source in figures],
                (
                    "pull_quote",
                    {"quote": "Rabta put the right person on the call at the right time.", "attribution": "A founder"},
                ),
            ],
        )
        story.sectors = list(Sector.objects.filter(slug=sector)) if sector else []
        story.startups = list(Organisation.objects.filter(name=startup)) if startup else []
        story.incubators = (
            list(Organisation.objects.filter(name="National Incubation Centre Lahore")) if n in (0, 3) else []
        )
        index.add_child(instance=story)
        story.save_revision(user=accounts["editor"]).publish()
    command.stdout.write(f"Stories: {len(STORIES)} published, with generated hero images.")


# --- Bulk data for benchmarks ------------------------------------------------------------------

BULK_SLUG = "bulk-story-"
BULK_IMAGE = "Rabta: stories of the diaspora"
BULK_TITLES = [
    "{startup} finds customers in {market}",
    "How a mentor in {market} helped {startup} price its product",
    "{startup} doubles its export revenue",
    "From a Lahore garage to {market}: {startup}",
]
MARKETS = ["Dubai", "London", "Toronto", "Berlin", "Riyadh", "Singapore", "Houston", "Sydney"]


def bulk_story_count(members: int) -> int:
    """Published stories for ``members`` bulk members: one per 2,000, at least one."""
    return max(1, members // 2000)


def seed_bulk(command, *, members: int) -> str:
    """``bulk_story_count(members)`` published stories under the story index, about bulk startups
    (or the demo ones), sharing one generated hero image. Wagtail makes pages one at a time with a
    revision each, so the count stays modest. Only the stories missing are added."""
    index = StoryIndexPage.objects.first()
    if index is None:
        return "no story index"
    existing = StoryPage.objects.filter(slug__startswith=BULK_SLUG).count()
    target = bulk_story_count(members)
    if existing >= target:
        return "nothing to add"
    image = Image.objects.filter(title=BULK_IMAGE).first() or hero_image(BULK_IMAGE, (20, 90, 70))
    startups = list(
        Organisation.objects.filter(kind=Organisation.Kind.STARTUP).order_by("-slug").prefetch_related("sectors")[:50]
    )
    editor = User.objects.filter(email="editor@demo.rabta.pk").first()
    today = timezone.localdate()
    for n in range(existing, target):
        startup = startups[n % len(startups)] if startups else None
        name = startup.name if startup else "A Pakistani startup"
        market = MARKETS[n % len(MARKETS)]
        title = BULK_TITLES[n % len(BULK_TITLES)].format(startup=name, market=market)
        story = StoryPage(
            title=title,
            slug=f"{BULK_SLUG}{n + 1:05d}",
            kind=StoryPage.Kind.SUCCESS if n % 3 else StoryPage.Kind.NATION,
            standfirst=f"{name} sells software made in Pakistan to customers in {market}.",
            author="Nadia Hashmi",
            date=today - timedelta(days=n % 365 + 30),
            hero_image=image,
            hero_alt=f"A banner reading “{BULK_IMAGE}”.",
            body=[
                ("paragraph", RichText(f"<p>{name} met its first customer in {market} through a Rabta mentor.</p>")),
                ("key_figure", {"value": str(10 + n % 90), "label": "customers abroad", "source": ""}),
            ],
        )
        story.sectors = list(startup.sectors.all()) if startup else []
        story.startups = [startup] if startup else []
        index.add_child(instance=story)
        story.save_revision(user=editor).publish()
    added = target - existing
    return f"{added:,} published {'story' if added == 1 else 'stories'}"
