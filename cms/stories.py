"""From outcome to story: when something worth telling happens, editors get a draft prefilled with the facts.

Connected in ``CmsConfig.ready`` to the business signals of the apps below (a milestone verified, a
round closed, a session both sides rated highly and agreed to feature). Each outcome offers one draft.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.rich_text import RichText

from cms.models import StoryIndexPage, StoryPage
from network.services import notification_create

EDITORS_GROUP = "Editors"


def story_draft_create(
    *,
    source_key: str,
    title: str,
    standfirst: str,
    figures: list[tuple[str, str, str]],
    facts: list[str],
    startups=(),
    incubators=(),
    mentors=(),
    sectors=(),
) -> StoryPage | None:
    """A draft story (never published by this) under the story index, and a note to every editor."""
    index = StoryIndexPage.objects.first()
    if index is None or StoryPage.objects.filter(source_key=source_key).exists():
        return None
    body = [("key_figure", {"value": value, "label": label, "source": source}) for value, label, source in figures]
    body.append(("paragraph", RichText("".join(f"<p>{fact}</p>" for fact in facts))))
    slug = slugify(f"{title}-{source_key}")[:80]
    story = StoryPage(
        title=title,
        slug=slug,
        standfirst=standfirst[:300],
        kind=StoryPage.Kind.SUCCESS,
        body=body,
        live=False,
        source_key=source_key,
    )
    story.startups = list(startups)
    story.incubators = list(incubators)
    story.mentors = list(mentors)
    story.sectors = list(sectors)
    index.add_child(instance=story)
    story.save_revision()
    editors = Group.objects.filter(name=EDITORS_GROUP).first()
    for editor in editors.user_set.filter(is_active=True) if editors else []:
        notification_create(
            recipient=editor,
            kind="cms.story.draft",
            message=_("A new story is waiting to be written: %(title)s.") % {"title": title},
            url=reverse("wagtailadmin_pages:edit", args=[story.pk]),
        )
    return story


def on_milestone_verified(sender, milestone, **kwargs) -> None:
    startup, incubator = milestone.startup, milestone.cohort.incubator
    latest = milestone.evidence.order_by("-submitted_at", "-id").first()
    reached = f"{latest.value:,.0f}" if latest else f"{milestone.target:,.0f}"
    story_draft_create(
        source_key=f"milestone:{milestone.pk}",
        title=_("%(startup)s reaches “%(title)s”") % {"startup": startup.name, "title": milestone.title},
        standfirst=_("%(incubator)s verified the milestone in its %(cohort)s cohort.")
        % {"incubator": incubator.name, "cohort": milestone.cohort.name},
        figures=[(reached, milestone.kpi_name, _("verified by %(name)s") % {"name": incubator.name})],
        facts=[
            _("Target: %(target)s %(kpi)s, due %(due)s.")
            % {"target": f"{milestone.target:,.0f}", "kpi": milestone.kpi_name, "due": milestone.due_on},
            _("Verified on %(when)s.") % {"when": milestone.verified_at.date() if milestone.verified_at else ""},
        ],
        startups=[startup],
        incubators=[incubator],
        sectors=list(startup.sectors.all()),
    )


def on_pitch_closed(sender, pitch, **kwargs) -> None:
    from investments.dealroom.selectors import round_progress

    progress = round_progress(pitch=pitch)
    story_draft_create(
        source_key=f"pitch:{pitch.pk}",
        title=_("%(startup)s closes its round") % {"startup": pitch.startup.name},
        standfirst=pitch.one_liner,
        figures=[
            (f"{progress['committed']:,.0f} {pitch.currency}", _("committed through Rabta's deal room"), ""),
            (str(progress["investors"]), _("diaspora investors"), ""),
        ],
        facts=[
            _("Endorsed by %(incubator)s.") % {"incubator": pitch.incubator.name},
            _("The ask was %(ask)s %(currency)s (%(instrument)s).")
            % {
                "ask": f"{pitch.ask_amount:,.0f}",
                "currency": pitch.currency,
                "instrument": pitch.get_instrument_display(),
            },
        ],
        startups=[pitch.startup],
        incubators=[pitch.incubator],
        sectors=[pitch.sector] if pitch.sector_id else [],
    )


def on_session_featurable(sender, booking, **kwargs) -> None:
    mentor, founder = booking.mentor, booking.mentee
    story_draft_create(
        source_key=f"session:{booking.pk}",
        title=_("%(mentor)s mentors %(founder)s across time zones")
        % {"mentor": mentor.user.display_name, "founder": founder.display_name},
        standfirst=_("Both rated their session highly and agreed to share it."),
        figures=[
            (str(booking.duration.seconds // 60), _("minutes, %(type)s") % {"type": booking.session_type.title}, "")
        ],
        facts=[
            _("Mentor: %(name)s, %(zone)s.") % {"name": mentor.user.display_name, "zone": mentor.timezone},
            _("Held on %(day)s.") % {"day": booking.start.date()},
        ],
        mentors=[mentor],
    )
