"""Wagtail pages: the home page, the story index and stories (success, nation-branding, news)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.embeds.blocks import EmbedBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page
from wagtail.search import index

from mentorship.models import Mentor

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "blockquote"]


class KeyFigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(label=_("Figure"), max_length=40, help_text=_("e.g. USD 310,000 or 540"))
    label = blocks.CharBlock(label=_("What it counts"), max_length=120)
    source = blocks.CharBlock(label=_("Source"), max_length=200, required=False)

    class Meta:
        icon = "pick"
        template = "cms/blocks/key_figure.html"
        label = _("Key figure")


class PullQuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"), max_length=600)
    attribution = blocks.CharBlock(label=_("Who said it"), max_length=150, required=False)

    class Meta:
        icon = "openquote"
        template = "cms/blocks/pull_quote.html"
        label = _("Pull quote")


class StoryBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Rich text"))
    image = ImageBlock(label=_("Image"))  # with its own alt text (Wagtail 6.3+)
    pull_quote = PullQuoteBlock()
    key_figure = KeyFigureBlock()
    embed = EmbedBlock(label=_("Embed (video)"), max_width=800)


class HomePage(Page):
    """The site's front page: live impact figures, featured stories and a path for each kind of visitor."""

    intro = models.CharField(
        _("introduction"),
        max_length=300,
        default="Pakistan's tech diaspora and the founders, incubators and centres of excellence at home.",
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.StoryIndexPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        context["figures"] = selectors.home_figures()
        context["stories"] = selectors.featured_stories(limit=3)
        context["story_index"] = StoryIndexPage.objects.live().first()
        return context


class StoryIndexPage(RoutablePageMixin, Page):
    """All published stories, filtered by kind and sector, searchable, with RSS and Atom feeds."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.StoryPage"]
    max_count = 1
    PAGE_SIZE = 12

    def stories(self):
        return (
            StoryPage.objects.live()
            .descendant_of(self)
            .select_related("hero_image")
            .prefetch_related("sectors")
            .order_by("-date", "-first_published_at")
        )

    @path("")
    def index(self, request):
        from core.ratelimits import enforce, searching
        from network.models import Sector

        enforce(request, "search", methods=("GET",), when=searching)

        stories = self.stories()
        kind = request.GET.get("kind", "")
        if kind in StoryPage.Kind.values:
            stories = stories.filter(kind=kind)
        sector = request.GET.get("sector", "")
        if sector:
            # By id: the search backend filters only on indexed fields, and a story's sectors are not
            # one (a search within a sector raised FilterFieldError).
            stories = stories.filter(pk__in=StoryPage.objects.filter(sectors__slug=sector).values("pk"))
        query = request.GET.get("q", "").strip()[:100]
        if query:
            stories = stories.search(query)
        page = Paginator(stories, self.PAGE_SIZE).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        return self.render(
            request,
            context_overrides={
                "page_obj": page,
                "kind": kind,
                "sector": sector,
                "q": query,
                "kinds": StoryPage.Kind.choices,
                "sectors": Sector.objects.filter(stories__live=True).distinct().order_by("name"),
                "query": params.urlencode(),
            },
        )

    @path("feed/")
    def rss(self, request):
        from cms.feeds import StoryFeed

        return StoryFeed(self)(request)

    @path("atom/")
    def atom(self, request):
        from cms.feeds import StoryAtomFeed

        return StoryAtomFeed(self)(request)


class StoryPage(Page):
    class Kind(models.TextChoices):
        SUCCESS = "success", _("Success story")
        NATION = "nation", _("Nation-branding story")
        NEWS = "news", _("News")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SUCCESS)
    standfirst = models.CharField(_("standfirst"), max_length=300, help_text=_("One or two sentences under the title."))
    date = models.DateField(_("date"), default=timezone.localdate)
    author = models.CharField(_("author"), max_length=120, blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_alt = models.CharField(
        _("hero image description (alt text)"),
        max_length=250,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    body = StreamField(StoryBodyBlock(), blank=True, verbose_name=_("body"))
    sectors = ParentalManyToManyField("network.Sector", blank=True, related_name="stories")
    startups = ParentalManyToManyField(
        "network.Organisation",
        blank=True,
        related_name="startup_stories",
        limit_choices_to={"kind": "startup"},
        verbose_name=_("startups"),
    )
    incubators = ParentalManyToManyField(
        "network.Organisation",
        blank=True,
        related_name="incubator_stories",
        limit_choices_to={"kind__in": ["incubator", "centre", "tech_park"]},
        verbose_name=_("incubators and centres"),
    )
    mentors = ParentalManyToManyField("mentorship.Mentor", blank=True, related_name="stories")
    featured = models.BooleanField(_("feature on the home page"), default=False)
    # What outcome this story was drafted from ("milestone:12"), so each outcome offers one draft.
    source_key = models.CharField(max_length=60, blank=True, editable=False, db_index=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("standfirst"),
        MultiFieldPanel([FieldPanel("hero_image"), FieldPanel("hero_alt")], heading=_("Hero image")),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("sectors"), FieldPanel("startups"), FieldPanel("incubators"), FieldPanel("mentors")],
            heading=_("What the story is about"),
        ),
        MultiFieldPanel([FieldPanel("author"), FieldPanel("date"), FieldPanel("featured")], heading=_("Byline")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("date"),
    ]
    parent_page_types = ["cms.StoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("story")

    def clean(self):
        super().clean()
        if self.hero_image_id and not self.hero_alt.strip():
            raise ValidationError({"hero_alt": _("Describe the hero image for people who cannot see it.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["startups"] = self.startups.all()
        context["incubators"] = self.incubators.all()
        # Mentors still on Rabta whom this reader may see (visitors: public profiles only).
        mentors = self.mentors.all()
        if not isinstance(mentors, models.QuerySet):  # a revision or a preview: the mentors as edited
            mentors = Mentor.objects.filter(pk__in=[m.pk for m in mentors])
        context["mentors"] = mentors.visible_to(request.user).select_related("user__profile")
        return context
