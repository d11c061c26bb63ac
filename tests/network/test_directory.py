"""The member directory and the organisation list: search, filters, pages, htmx, query counts."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import keyset
from core.pagecache import bump_pages
from network import services
from network.models import Language, Membership, Organisation, Sector, User
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory, UserFactory

PAGE_SIZE = settings.RABTA["DIRECTORY_PAGE_SIZE"]


def names(response) -> list[str]:
    return [profile.display_name for profile in response.context["page"]]


def organisation_names(response) -> list[str]:
    return [organisation.name for organisation in response.context["page"]]


def make_profile(display_name, *, sectors=(), languages=(), **fields):
    profile = ProfileFactory(display_name=display_name, headline=fields.pop("headline", ""), **fields)
    profile.sectors.set(Sector.objects.filter(slug__in=sectors))
    profile.languages.set(Language.objects.filter(code__in=languages))
    return profile


@pytest.fixture
def directory(member):
    """Six listed members (Ayesha, the viewer, among them) and one deactivated one."""
    ayesha = member.profile
    ayesha.headline = "Product manager"
    ayesha.skills = "roadmaps"
    ayesha.is_founder = True
    ayesha.save()
    ayesha.sectors.set(Sector.objects.filter(slug__in=["fintech"]))
    ayesha.languages.set(Language.objects.filter(code__in=["ur", "en"]))

    make_profile(
        "Bilal Ahmed",
        headline="Staff engineer",
        skills="Django, Kubernetes",
        city="Toronto",
        country="CA",
        lives_abroad=True,
        is_mentor=True,
        sectors=["saas", "ai-data"],
        languages=["en", "pa"],
    )
    sana = make_profile("Sana Malik", headline="Programme manager", city="Lahore", sectors=["edtech"], languages=["ur"])
    make_profile(
        "Omar Farooq",
        headline="Angel investor",
        skills="term sheets",
        city="Berlin",
        country="DE",
        lives_abroad=True,
        is_mentor=True,
        is_investor=True,
        sectors=["fintech"],
        languages=["de", "ur"],
    )
    hina = make_profile(
        "Hina Baig",
        headline="Founder of a logistics startup",
        city="Karachi",
        is_founder=True,
        sectors=["logistics"],
        languages=["sd", "ur"],
    )
    tariq = make_profile("Tariq Jamil", headline="Lab director", city="Islamabad", sectors=["ai-data"])
    retired = make_profile("Zafar Retired", headline="Staff engineer", city="Lahore", is_mentor=True)
    retired.user.is_active = False
    retired.user.save()

    # Sana works at two incubators, Tariq at a centre of excellence; Hina only at her startup.
    for slug in ("plan9", "nic-lahore"):
        incubator = OrganisationFactory(slug=slug, kind=Organisation.Kind.INCUBATOR)
        MembershipFactory(organisation=incubator, user=sana.user)
    MembershipFactory(organisation=OrganisationFactory(kind=Organisation.Kind.CENTRE), user=tariq.user)
    MembershipFactory(organisation=OrganisationFactory(kind=Organisation.Kind.STARTUP), user=hina.user)
    return member


ALL_LISTED = ["Ayesha Khan", "Bilal Ahmed", "Hina Baig", "Omar Farooq", "Sana Malik", "Tariq Jamil"]


# --- Search and filters -------------------------------------------------------------


def test_directory_lists_active_members_by_name(client_for, directory):
    # when
    response = client_for(directory).get("/members/")

    # then
    assert response.status_code == 200
    assert names(response) == ALL_LISTED
    assert "6 members found" in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("engineer", ["Bilal Ahmed"], id="headline"),
        pytest.param("DJANGO", ["Bilal Ahmed"], id="skills-any-case"),
        pytest.param("lahore", ["Ayesha Khan", "Sana Malik"], id="city"),
        pytest.param("omar", ["Omar Farooq"], id="name"),
        pytest.param("manager", ["Ayesha Khan", "Sana Malik"], id="two-headlines"),
        pytest.param("programme lahore", ["Sana Malik"], id="every-word-must-match"),
        pytest.param("  term   sheets ", ["Omar Farooq"], id="extra-spaces"),
        pytest.param("astronaut", [], id="no-match"),
        pytest.param("", ALL_LISTED, id="empty"),
    ],
)
def test_directory_search(client_for, directory, query, expected):
    # when
    response = client_for(directory).get("/members/", {"q": query})

    # then
    assert response.status_code == 200
    assert names(response) == expected


def test_directory_search_finds_nobody_deactivated(client_for, directory):
    # when
    response = client_for(directory).get("/members/", {"q": "Zafar"})

    # then
    assert names(response) == []
    assert "No member matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("mentor", ["Bilal Ahmed", "Omar Farooq"]),
        ("founder", ["Ayesha Khan", "Hina Baig"]),
        ("investor", ["Omar Farooq"]),
        ("incubator_staff", ["Sana Malik", "Tariq Jamil"]),
    ],
)
def test_directory_filter_by_role(client_for, directory, role, expected):
    # when
    response = client_for(directory).get("/members/", {"role": role})

    # then
    assert names(response) == expected


def test_directory_marks_incubator_staff(client_for, directory):
    # when
    response = client_for(directory).get("/members/")

    # then
    staff = {profile.display_name for profile in response.context["page"] if profile.is_incubator_staff}
    assert staff == {"Sana Malik", "Tariq Jamil"}
    assert response.content.decode().count("Incubator staff</span>") == 2


def test_directory_incubator_staff_becomes_so_by_joining_an_incubator(client_for, directory):
    # given
    bilal = User.objects.get(profile__display_name="Bilal Ahmed")
    MembershipFactory(organisation=OrganisationFactory(kind=Organisation.Kind.TECH_PARK), user=bilal)

    # when
    response = client_for(directory).get("/members/", {"role": "incubator_staff"})

    # then
    assert names(response) == ["Bilal Ahmed", "Sana Malik", "Tariq Jamil"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"sector": "fintech"}, ["Ayesha Khan", "Omar Farooq"], id="sector"),
        pytest.param({"sector": "ai-data"}, ["Bilal Ahmed", "Tariq Jamil"], id="sector-ai"),
        pytest.param({"sector": "gaming"}, [], id="sector-nobody"),
        pytest.param({"country": "CA"}, ["Bilal Ahmed"], id="country-ca"),
        pytest.param({"country": "PK"}, ["Ayesha Khan", "Hina Baig", "Sana Malik", "Tariq Jamil"], id="country-pk"),
        pytest.param({"city": "lahore"}, ["Ayesha Khan", "Sana Malik"], id="city-any-case"),
        pytest.param({"city": "LAHORE"}, ["Ayesha Khan", "Sana Malik"], id="city-upper"),
        pytest.param({"city": "Lah"}, [], id="city-whole-name-only"),
        pytest.param({"language": "ur"}, ["Ayesha Khan", "Hina Baig", "Omar Farooq", "Sana Malik"], id="urdu"),
        pytest.param({"language": "de"}, ["Omar Farooq"], id="german"),
        pytest.param({"lives_abroad": "true"}, ["Bilal Ahmed", "Omar Farooq"], id="abroad"),
        pytest.param(
            {"lives_abroad": "false"}, ["Ayesha Khan", "Hina Baig", "Sana Malik", "Tariq Jamil"], id="at-home"
        ),
        pytest.param({"lives_abroad": ""}, ALL_LISTED, id="abroad-any"),
        pytest.param({"role": "mentor", "lives_abroad": "true", "language": "ur"}, ["Omar Farooq"], id="combined"),
        pytest.param({"sector": "fintech", "language": "ur"}, ["Ayesha Khan", "Omar Farooq"], id="two-m2m"),
        pytest.param({"q": "manager", "role": "incubator_staff"}, ["Sana Malik"], id="search-and-role"),
    ],
)
def test_directory_filters(client_for, directory, params, expected):
    # when
    response = client_for(directory).get("/members/", params)

    # then
    assert response.status_code == 200
    assert names(response) == expected
    assert response.context["page"].count == len(expected)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"role": "wizard"}, "Select a valid choice. wizard is not one of the available choices."),
        ({"sector": "astrology"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"country": "XX"}, "Select a valid choice. XX is not one of the available choices."),
        ({"language": "xx"}, "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_directory_ignores_an_unknown_filter_value_and_says_so(client_for, directory, params, error):
    # when
    response = client_for(directory).get("/members/", params)

    # then
    assert response.status_code == 200
    assert names(response) == ALL_LISTED
    assert error in html.unescape(response.content.decode())


# --- Pages ------------------------------------------------------------------------------


@pytest.fixture
def many_engineers(member):
    """45 listed engineers, named so they sort the same on every database; the viewer is no engineer."""
    member.profile.headline = "Product manager"
    member.profile.save()
    for n in range(45):
        make_profile(f"Engineer {n:02d}", headline="Engineer")
    return member


def next_link(response) -> str | None:
    found = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def previous_link(response) -> str | None:
    found = re.search(r'href="\?([^"]*)" rel="prev"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def test_directory_pages_follow_next_and_previous_links(client_for, many_engineers):
    # given
    client = client_for(many_engineers)

    # when: forward through the pages by their "Next" links
    first = client.get("/members/", {"q": "engineer"})
    second = client.get(f"/members/?{next_link(first)}")
    third = client.get(f"/members/?{next_link(second)}")
    # and back by "Previous"
    back_to_second = client.get(f"/members/?{previous_link(third)}")
    back_to_first = client.get(f"/members/?{previous_link(back_to_second)}")

    # then
    assert names(first) == [f"Engineer {n:02d}" for n in range(0, 20)]
    assert names(second) == [f"Engineer {n:02d}" for n in range(20, 40)]
    assert names(third) == [f"Engineer {n:02d}" for n in range(40, 45)]
    assert (previous_link(first), next_link(third)) == (None, None)
    assert names(back_to_second) == names(second)
    assert names(back_to_first) == names(first)
    assert previous_link(back_to_first) is None
    assert next_link(back_to_first) == next_link(first)
    for response in (first, second, third):
        assert "45 members found" in response.content.decode()


def test_directory_pages_keep_the_search_in_their_links(client_for, many_engineers):
    # when
    response = client_for(many_engineers).get("/members/", {"q": "engineer", "role": ""})

    # then
    assert next_link(response).startswith("q=engineer&role=&after=")


def test_directory_pages_break_ties_in_names_by_member(client_for, member):
    """Two members with the same name on either side of a page boundary are both listed, once."""
    # given
    member.profile.display_name = "Zz viewer"
    member.profile.save()
    for _ in range(PAGE_SIZE + 1):
        make_profile("Same Name")
    client = client_for(member)

    # when
    first = client.get("/members/", {"q": "same"})
    second = client.get(f"/members/?{next_link(first)}")

    # then
    ids = [p.pk for p in first.context["page"]] + [p.pk for p in second.context["page"]]
    assert len(ids) == len(set(ids)) == PAGE_SIZE + 1
    assert next_link(second) is None


@pytest.mark.parametrize(
    "cursor", ["abc", "%%%", "W10", "WyJhIl0", "WyJhIiwgdHJ1ZV0", "e30", "WyJhIiwgImIiXQ", "x" * 2000]
)
def test_directory_ignores_a_malformed_cursor(client_for, many_engineers, cursor):
    # when
    response = client_for(many_engineers).get("/members/", {"q": "engineer", "after": cursor, "before": cursor})

    # then: the first page
    assert response.status_code == 200
    assert names(response) == [f"Engineer {n:02d}" for n in range(0, 20)]


def test_directory_answers_a_cursor_beyond_any_member_with_an_empty_page(client_for, many_engineers):
    """A well-formed position past everyone (an id larger than any column holds) is no error."""
    cursor = keyset.encode_cursor(["Zzz", 10**30])

    response = client_for(many_engineers).get("/members/", {"q": "engineer", "after": cursor})

    assert response.status_code == 200
    assert names(response) == []
    assert 'rel="next"' not in response.content.decode()


def test_directory_says_more_than_the_cap_when_a_filter_matches_very_many(client_for, many_engineers, monkeypatch):
    # given
    monkeypatch.setattr(keyset, "COUNT_CAP", 30)
    client = client_for(many_engineers)

    # when
    everyone = client.get("/members/")
    searched = client.get("/members/", {"q": "engineer"})

    # then: a filter is counted up to the cap; a word search, found through its own index, in full
    assert "More than 30 members found" in everyone.content.decode()
    assert len(names(everyone)) == PAGE_SIZE
    assert "45 members found" in searched.content.decode()
    assert names(searched) == [f"Engineer {n:02d}" for n in range(0, 20)]


# --- htmx -------------------------------------------------------------------------------


def test_directory_htmx_request_renders_only_the_results(client_for, directory):
    # when
    response = client_for(directory).get("/members/", {"role": "mentor"}, headers={"HX-Request": "true"})

    # then
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "network/includes/member_results.html"
    assert "network/member_list.html" not in [t.name for t in response.templates]
    assert "base.html" not in [t.name for t in response.templates]
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="member-results"' not in content
    assert "<form" not in content
    assert "2 members found" in content
    assert names(response) == ["Bilal Ahmed", "Omar Farooq"]


def test_directory_full_page_wraps_the_results(client_for, directory):
    # when
    response = client_for(directory).get("/members/", {"role": "mentor"})

    # then
    content = response.content.decode()
    assert "network/member_list.html" in [t.name for t in response.templates]
    assert "<html" in content
    assert 'id="member-results"' in content
    assert "2 members found" in content


def test_directory_htmx_header_other_than_true_renders_the_full_page(client_for, directory):
    # when
    response = client_for(directory).get("/members/", headers={"HX-Request": "false"})

    # then
    assert "network/member_list.html" in [t.name for t in response.templates]


# --- Query counts -------------------------------------------------------------------


def queries_for(client, url: str, params: dict | None = None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries), response


def add_mentors(count: int, start: int) -> None:
    """Mentors with sectors, languages and, for every other one, a job at an incubator."""
    incubator = OrganisationFactory(kind=Organisation.Kind.INCUBATOR)
    for n in range(start, start + count):
        profile = make_profile(
            f"Mentor {n:03d}",
            headline="Mentor",
            is_mentor=True,
            sectors=["fintech", "saas"],
            languages=["ur", "en"],
        )
        if n % 2:
            MembershipFactory(organisation=incubator, user=profile.user, role=Membership.Role.MEMBER)


@pytest.mark.parametrize(
    ("params", "matching_few", "matching_many"),
    [
        pytest.param({}, 6, 51, id="no-filter"),  # the viewer is listed too
        pytest.param({"role": "mentor"}, 5, 50, id="role"),
        pytest.param({"sector": "fintech", "language": "ur", "q": "mentor"}, 5, 50, id="sector-language-search"),
        pytest.param({"role": "incubator_staff"}, 2, 25, id="incubator-staff"),  # every other mentor
    ],
)
def test_member_list_query_count_does_not_grow_with_the_members(
    client_for, member, params, matching_few, matching_many
):
    # given
    client = client_for(member)
    add_mentors(5, start=0)
    client.get("/members/", params)  # warm up the session and caches
    bump_pages("profiles")  # measure pages built afresh, not served from the fragment cache
    with_few, response = queries_for(client, "/members/", params)
    assert response.context["page"].count == matching_few

    # when
    add_mentors(45, start=5)
    bump_pages("profiles")
    with_many, response = queries_for(client, "/members/", params)

    # then
    assert response.context["page"].count == matching_many
    assert len(names(response)) == PAGE_SIZE
    assert with_many == with_few


def test_member_list_htmx_query_count_does_not_grow_with_the_members(client_for, member):
    # given
    client = client_for(member)
    add_mentors(5, start=0)
    client.get("/members/", {"role": "mentor"}, headers={"HX-Request": "true"})
    bump_pages("profiles")
    with CaptureQueriesContext(connection) as few:
        client.get("/members/", {"role": "mentor"}, headers={"HX-Request": "true"})

    # when
    add_mentors(45, start=5)
    bump_pages("profiles")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/members/", {"role": "mentor"}, headers={"HX-Request": "true"})

    # then
    assert response.context["page"].count == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def add_organisations(count: int, start: int) -> None:
    """Organisations with two sectors and three members each."""
    sectors = list(Sector.objects.filter(slug__in=["agritech", "cleantech"]))
    for n in range(start, start + count):
        organisation = OrganisationFactory(
            name=f"Venture {n:03d}", slug=f"venture-{n:03d}", kind=Organisation.Kind.INCUBATOR, city="Lahore"
        )
        organisation.sectors.set(sectors)
        for role in (Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.MEMBER):
            MembershipFactory(organisation=organisation, user=UserFactory(), role=role)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no-filter"),
        pytest.param({"kind": "incubator", "sector": "agritech", "q": "venture"}, id="filtered"),
    ],
)
def test_organisation_list_query_count_does_not_grow_with_the_organisations(client_for, member, params):
    # given
    client = client_for(member)
    add_organisations(5, start=0)
    client.get("/organisations/", params)
    with_few, response = queries_for(client, "/organisations/", params)
    assert response.context["page"].paginator.count == 5

    # when
    add_organisations(45, start=5)
    with_many, response = queries_for(client, "/organisations/", params)

    # then
    assert response.context["page"].paginator.count == 50
    assert len(organisation_names(response)) == PAGE_SIZE
    assert [o.member_count for o in response.context["page"]] == [3] * PAGE_SIZE
    assert with_many == with_few


# --- Organisation list ----------------------------------------------------------------


@pytest.fixture
def organisations(member):
    fintech, agritech = Sector.objects.get(slug="fintech"), Sector.objects.get(slug="agritech")
    plan9 = OrganisationFactory(name="Plan9", slug="plan9", kind="incubator", city="Lahore", tagline="Tech incubator")
    plan9.sectors.set([fintech])
    nastp = OrganisationFactory(
        name="NASTP Silicon", slug="nastp", kind="tech_park", city="Karachi", tagline="Aerospace park"
    )
    nastp.sectors.set([agritech])
    OrganisationFactory(name="Kisan Labs", slug="kisan-labs", kind="startup", city="Multan", tagline="Crop data")
    MembershipFactory(organisation=plan9, user=member, role=Membership.Role.OWNER)
    MembershipFactory(organisation=plan9, user=UserFactory())
    return member


def test_organisation_list_lists_every_organisation_by_name(client_for, organisations):
    # when
    response = client_for(organisations).get("/organisations/")

    # then
    assert response.status_code == 200
    assert organisation_names(response) == ["Kisan Labs", "NASTP Silicon", "Plan9"]
    assert {o.name: o.member_count for o in response.context["page"]} == {
        "Kisan Labs": 0,
        "NASTP Silicon": 0,
        "Plan9": 2,
    }
    assert "3 organisations found" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"q": "incubator"}, ["Plan9"], id="search-tagline"),
        pytest.param({"q": "karachi"}, ["NASTP Silicon"], id="search-city"),
        pytest.param({"q": "kisan crop"}, ["Kisan Labs"], id="search-every-word"),
        pytest.param({"kind": "tech_park"}, ["NASTP Silicon"], id="kind"),
        pytest.param({"sector": "fintech"}, ["Plan9"], id="sector"),
        pytest.param({"city": "MULTAN"}, ["Kisan Labs"], id="city"),
        pytest.param({"kind": "centre"}, [], id="nobody"),
    ],
)
def test_organisation_list_filters(client_for, organisations, params, expected):
    # when
    response = client_for(organisations).get("/organisations/", params)

    # then
    assert organisation_names(response) == expected


# --- Cached results and filter form ---------------------------------------------------


def test_a_directory_page_asked_for_again_costs_no_directory_queries(client_for, directory):
    # given
    client = client_for(directory)
    client.get("/members/", {"role": "mentor"})

    # when
    with CaptureQueriesContext(connection) as context:
        response = client.get("/members/", {"role": "mentor"})

    # then: the member with their profile (time zone), in one query; the session and the unread count
    # come from the cache, and nothing at all for the directory
    tables = [re.search(r' FROM "(\w+)"', q["sql"]).group(1) for q in context.captured_queries]
    assert tables == ["network_user"]
    assert 'JOIN "network_profile"' in context.captured_queries[0]["sql"]
    assert "2 members found" in response.content.decode()
    assert "Bilal Ahmed" in response.content.decode()


def test_an_unknown_parameter_shares_the_cached_results_and_leaves_the_links(client_for, directory):
    # given: the results of a filter, cached by a first request
    client = client_for(directory)
    client.get("/members/", {"role": "mentor"})

    # when: the same filter with parameters the form does not know
    with CaptureQueriesContext(connection) as context:
        response = client.get("/members/", {"role": "mentor", "utm_source": "x", "junk": "1"})

    # then: the same cached results (no directory query), and the page's links do not carry them
    tables = [re.search(r' FROM "(\w+)"', q["sql"]).group(1) for q in context.captured_queries]
    assert tables == ["network_user"]  # the member with their profile
    assert "2 members found" in response.content.decode()
    assert "junk" not in response.content.decode()
    assert "utm_source" not in response.content.decode()


def _rename(profile):
    profile.display_name = "Bilal Renamed"
    profile.save()


def _deactivate(profile):
    profile.user.is_active = False
    profile.user.save()


def _delete(profile):
    profile.user.delete()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(_rename, ["Bilal Renamed", "Omar Farooq"], id="renamed"),
        pytest.param(_deactivate, ["Omar Farooq"], id="deactivated"),
        pytest.param(_delete, ["Omar Farooq"], id="deleted"),
    ],
)
def test_a_cached_directory_page_shows_a_change_at_once(
    client_for, directory, change, expected, django_capture_on_commit_callbacks
):
    # given
    client = client_for(directory)
    bilal = User.objects.get(profile__display_name="Bilal Ahmed").profile
    assert names(client.get("/members/", {"role": "mentor"})) == ["Bilal Ahmed", "Omar Farooq"]

    # when: changed outside any service (the admin, a shell)
    with django_capture_on_commit_callbacks(execute=True):
        change(bilal)
    response = client.get("/members/", {"role": "mentor"})

    # then
    assert names(response) == expected


def test_a_cached_directory_page_shows_a_profile_edit_at_once(
    client_for, directory, django_capture_on_commit_callbacks
):
    # given
    client = client_for(directory)
    bilal = User.objects.get(profile__display_name="Bilal Ahmed").profile
    client.get("/members/", {"role": "mentor"})

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.profile_update(profile=bilal, data={"headline": "Principal engineer"})
    response = client.get("/members/", {"role": "mentor"})

    # then
    content = response.content.decode()
    assert "Principal engineer" in content
    assert "Staff engineer" not in content


def test_signing_in_does_not_throw_away_the_cached_directory(client_for, directory, member):
    # given
    client = client_for(directory)
    client.get("/members/")

    # when: a sign-in saves last_login only
    member.last_login = None
    member.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as context:
        client.get("/members/")

    # then: the member with their profile, and nothing for the directory
    assert len(context.captured_queries) == 1


def test_the_filter_form_shows_a_renamed_sector_at_once(client_for, directory, django_capture_on_commit_callbacks):
    # given
    client = client_for(directory)
    assert "FinTech" in client.get("/members/").content.decode()

    # when
    Sector.objects.filter(slug="fintech").update(name="Payments")  # no signal: not seen…
    stale = client.get("/members/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Sector.objects.get(slug="fintech").save()  # …until the sector is saved (admin, shell, data migration)
    fresh = client.get("/members/").content.decode()

    # then
    assert '<option value="fintech">FinTech</option>' in stale
    assert '<option value="fintech">Payments</option>' in fresh
    assert '<span class="tag">Payments</span>' in fresh


def test_the_filter_form_keeps_each_visitors_choices(client_for, directory):
    # given
    client = client_for(directory)

    # when
    pk = client.get("/members/", {"country": "PK"}).content.decode()
    ca = client.get("/members/", {"country": "CA", "q": "eng"}).content.decode()
    plain = client.get("/members/").content.decode()

    # then
    assert '<option value="PK" selected>' in pk
    assert '<option value="CA" selected>' in ca
    assert 'value="eng"' in ca
    countries = plain.split('name="country"', 1)[1].split("</select>", 1)[0]
    assert countries.count(" selected>") == 1
    assert '<option value="" selected>' in countries


# --- Search at scale --------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
@pytest.mark.parametrize("term", ["bilal", "staff", "kubernetes", "toronto"])
def test_postgresql_answers_a_directory_search_from_its_trigram_index(directory, term):
    """A word anywhere in a name, headline, skills or city is found through an index, not by reading
    every profile (the planner is told to use bitmap index scans only, as on a table this small
    it would rather read everything)."""
    # given
    from network.filters import MemberFilter
    from network.selectors import profile_list

    queryset = MemberFilter({"q": term}, queryset=profile_list()).qs.order_by()

    # when
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()

    # then
    assert "network_profile_search_text_trgm" in plan
    assert [p.display_name for p in queryset] == ["Bilal Ahmed"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_the_sites_connections_price_index_reads_for_ssds(db):
    # PostgreSQL's default (4) made a search with thousands of matches read every profile.
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)
