"""Changes made in the admin write audit entries, as the services do; passwords are never written down."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ledger.models import ExchangeRate
from network.audit import audit_record
from network.models import AuditEntry, Introduction, Membership, Organisation, Sector, User
from tests.admin_forms import admin_form_data
from tests.network.factories import IntroductionFactory, MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-horse-battery-staple-77"


def entries() -> list[tuple]:
    return list(AuditEntry.objects.order_by("id").values_list("event", "actor_id", "target_type", "target_id", "data"))


def change(client, name: str, obj, **changes) -> tuple:
    """Open the change page of ``obj``, change the given fields, submit; the response and the form sent."""
    url = reverse(f"admin:{name}_change", args=[obj.pk])
    data = admin_form_data(client.get(url))
    data.update({field: value if isinstance(value, list) else [value] for field, value in changes.items()})
    for field in [field for field, value in changes.items() if value is None]:
        del data[field]
    return client.post(url, data), data


# --- Members' accounts -------------------------------------------------------------------------


def test_staff_add_a_member_and_the_entry_says_a_password_was_set_never_which(admin_client_mfa, staff_superuser):
    # given
    data = admin_form_data(admin_client_mfa.get(reverse("admin:network_user_add")))
    data.update(email=["zainab@example.org"], password1=[NEW_PASSWORD], password2=[NEW_PASSWORD])

    # when
    response = admin_client_mfa.post(reverse("admin:network_user_add"), data)

    # then
    user = User.objects.get(email="zainab@example.org")
    assert response.status_code == 302
    assert user.check_password(NEW_PASSWORD)
    assert entries() == [
        (
            "network.user.create",
            staff_superuser.pk,
            "network.user",
            str(user.pk),
            {
                "fields": ["email", "password"],
                "via": "admin",
            },
        )
    ]
    assert AuditEntry.objects.get().ip_address == "127.0.0.1"
    assert NEW_PASSWORD not in json.dumps(entries())
    assert user.password not in json.dumps(entries())


def test_staff_make_a_member_staff_and_the_entry_names_the_new_powers(admin_client_mfa, staff_superuser, member):
    # given
    moderators = Group.objects.get_or_create(name="Moderators")[0]

    # when
    response, _data = change(admin_client_mfa, "network_user", member, is_staff="on", groups=[str(moderators.pk)])

    # then
    member.refresh_from_db()
    assert response.status_code == 302
    assert member.is_staff
    assert list(member.groups.all()) == [moderators]
    assert entries() == [
        (
            "network.user.update",
            staff_superuser.pk,
            "network.user",
            str(member.pk),
            {
                "fields": ["groups", "is_staff"],
                "values": {"groups": ["Moderators"], "is_staff": True},
                "via": "admin",
            },
        )
    ]


def test_staff_take_away_staff_rights_and_deactivate_and_each_is_recorded_once(admin_client_mfa, staff_superuser):
    # given
    colleague = ProfileFactory(user__is_staff=True).user

    # when
    response, _data = change(admin_client_mfa, "network_user", colleague, is_staff=None, is_active=None)

    # then: the staff rights in the admin's entry, the deactivation in the service's own
    colleague.refresh_from_db()
    assert response.status_code == 302
    assert (colleague.is_staff, colleague.is_active) == (False, False)
    assert entries() == [
        (
            "network.user.update",
            staff_superuser.pk,
            "network.user",
            str(colleague.pk),
            {
                "fields": ["is_staff"],
                "values": {"is_staff": False},
                "via": "admin",
            },
        ),
        ("network.user.deactivate", staff_superuser.pk, "network.user", str(colleague.pk), {}),
    ]


def test_deactivating_alone_in_the_admin_writes_only_the_services_entry(admin_client_mfa, staff_superuser, member):
    response, _data = change(admin_client_mfa, "network_user", member, is_active=None)

    member.refresh_from_db()
    assert response.status_code == 302
    assert not member.is_active
    assert entries() == [("network.user.deactivate", staff_superuser.pk, "network.user", str(member.pk), {})]


def test_saving_a_member_unchanged_writes_no_entry(admin_client_mfa, member):
    response, _data = change(admin_client_mfa, "network_user", member)

    assert response.status_code == 302
    assert entries() == []


def test_staff_change_a_password_and_the_entry_says_only_that_it_changed(admin_client_mfa, staff_superuser, member):
    # given
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    data = admin_form_data(admin_client_mfa.get(url))
    data.update(password1=[NEW_PASSWORD], password2=[NEW_PASSWORD])
    old_hash = member.password

    # when
    response = admin_client_mfa.post(url, data)

    # then
    member.refresh_from_db()
    assert response.status_code == 302
    assert member.check_password(NEW_PASSWORD)
    assert entries() == [
        (
            "network.user.update",
            staff_superuser.pk,
            "network.user",
            str(member.pk),
            {
                "fields": ["password"],
                "via": "admin",
            },
        )
    ]
    assert NEW_PASSWORD not in json.dumps(entries())
    assert old_hash not in json.dumps(entries())
    assert member.password not in json.dumps(entries())


def test_a_refused_password_change_writes_no_entry(admin_client_mfa, member):
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    data = admin_form_data(admin_client_mfa.get(url))
    data.update(password1=[NEW_PASSWORD], password2=["something-else-entirely-99"])
    old_hash = member.password

    response = admin_client_mfa.post(url, data)

    member.refresh_from_db()
    assert response.status_code == 200
    assert member.password == old_hash
    assert entries() == []


def test_a_member_named_in_the_trail_is_never_deleted_through_the_admin(admin_client_mfa, member):
    # given: the member's row is referenced by the trail (PROTECT); the admin's delete is off anyway
    audit_record(actor=member, event="network.organisation.create", target=OrganisationFactory())
    before = entries()

    # when
    response = admin_client_mfa.post(reverse("admin:network_user_delete", args=[member.pk]), {"post": "yes"})

    # then
    assert response.status_code == 302
    assert User.objects.filter(pk=member.pk).exists()
    assert entries() == before


# --- Profiles, organisations, introductions, rates ---------------------------------------------


def test_staff_edit_a_profile(admin_client_mfa, staff_superuser, member):
    profile = member.profile

    response, _data = change(
        admin_client_mfa, "network_profile", profile, display_name="Ayesha K.", is_mentor="on", headline="Founder"
    )

    profile.refresh_from_db()
    assert response.status_code == 302
    assert (profile.display_name, profile.is_mentor, profile.headline) == ("Ayesha K.", True, "Founder")
    assert entries() == [
        (
            "network.profile.update",
            staff_superuser.pk,
            "network.profile",
            str(profile.pk),
            {
                "fields": ["display_name", "headline", "is_mentor"],
                "values": {"is_mentor": True},
                "via": "admin",
            },
        )
    ]


def test_staff_edit_an_organisation_and_its_members_in_one_save(
    admin_client_mfa, staff_superuser, member, other_member, third_member
):
    # given: an owner and a member; staff rename it, remove the member and add an admin
    organisation = OrganisationFactory(name="Raqam Pay")
    owner = MembershipFactory(organisation=organisation, user=member, role=Membership.Role.OWNER)
    leaving = MembershipFactory(organisation=organisation, user=other_member, role=Membership.Role.MEMBER)
    url = reverse("admin:network_organisation_change", args=[organisation.pk])
    data = admin_form_data(admin_client_mfa.get(url))
    rows = {data[f"memberships-{n}-id"][0]: n for n in range(int(data["memberships-TOTAL_FORMS"][0]))}
    data["name"] = ["Raqam Pay Ltd"]
    data[f"memberships-{rows[str(leaving.pk)]}-DELETE"] = ["on"]
    new = int(data["memberships-TOTAL_FORMS"][0])
    data.update(
        {
            "memberships-TOTAL_FORMS": [str(new + 1)],
            f"memberships-{new}-id": [""],
            f"memberships-{new}-organisation": [str(organisation.pk)],
            f"memberships-{new}-user": [str(third_member.pk)],
            f"memberships-{new}-role": ["admin"],
            f"memberships-{new}-title": ["CTO"],
        }
    )

    # when
    response = admin_client_mfa.post(url, data)

    # then
    assert response.status_code == 302
    added = Membership.objects.get(organisation=organisation, user=third_member)
    assert sorted(Membership.objects.filter(organisation=organisation).values_list("pk", flat=True)) == sorted(
        [owner.pk, added.pk]
    )
    assert entries() == [
        (
            "network.organisation.update",
            staff_superuser.pk,
            "network.organisation",
            str(organisation.pk),
            {
                "fields": ["name"],
                "via": "admin",
            },
        ),
        (
            "network.membership.create",
            staff_superuser.pk,
            "network.membership",
            str(added.pk),
            {
                "fields": ["role", "title", "user"],
                "values": {"role": "admin"},
                "via": "admin",
            },
        ),
        ("network.membership.delete", staff_superuser.pk, "network.membership", str(leaving.pk), {"via": "admin"}),
    ]


def test_staff_change_an_introductions_status(admin_client_mfa, staff_superuser, member, other_member):
    introduction = IntroductionFactory(requester=member, recipient=other_member)

    response, _data = change(admin_client_mfa, "network_introduction", introduction, status="declined")

    introduction.refresh_from_db()
    assert response.status_code == 302
    assert introduction.status == Introduction.Status.DECLINED
    assert entries() == [
        (
            "network.introduction.update",
            staff_superuser.pk,
            "network.introduction",
            str(introduction.pk),
            {
                "fields": ["status"],
                "values": {"status": "declined"},
                "via": "admin",
            },
        )
    ]


def test_staff_record_an_exchange_rate_and_the_entry_keeps_the_rate(admin_client_mfa, staff_superuser):
    data = admin_form_data(admin_client_mfa.get(reverse("admin:ledger_exchangerate_add")))
    data.update(currency=["PKR"], year=["2027"], quarter=["1"], usd_per_unit=["0.00357"], source=["SBP"])

    response = admin_client_mfa.post(reverse("admin:ledger_exchangerate_add"), data)

    rate = ExchangeRate.objects.get()
    assert response.status_code == 302
    assert entries() == [
        (
            "ledger.exchange_rate.create",
            staff_superuser.pk,
            "ledger.exchangerate",
            str(rate.pk),
            {
                "fields": ["currency", "quarter", "source", "usd_per_unit", "year"],
                "values": {"currency": "PKR", "quarter": 1, "source": "SBP", "usd_per_unit": "0.00357", "year": 2027},
                "via": "admin",
            },
        )
    ]


def test_staff_add_a_sector(admin_client_mfa, staff_superuser):
    data = admin_form_data(admin_client_mfa.get(reverse("admin:network_sector_add")))
    data.update(name=["Space tech"], slug=["space-tech"])

    response = admin_client_mfa.post(reverse("admin:network_sector_add"), data)

    sector = Sector.objects.get(slug="space-tech")
    assert response.status_code == 302
    assert entries() == [
        (
            "network.sector.create",
            staff_superuser.pk,
            "network.sector",
            str(sector.pk),
            {
                "fields": ["name", "slug"],
                "via": "admin",
            },
        )
    ]


def test_deleting_in_bulk_writes_one_entry_each(admin_client_mfa, staff_superuser):
    sectors = [Sector.objects.create(name=f"Probe {n}", slug=f"probe-{n}") for n in (1, 2)]
    pks = [sector.pk for sector in sectors]

    response = admin_client_mfa.post(
        reverse("admin:network_sector_changelist"),
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )

    assert response.status_code == 302
    assert not Sector.objects.filter(pk__in=pks).exists()
    assert sorted(entries()) == [
        ("network.sector.delete", staff_superuser.pk, "network.sector", str(pk), {"via": "admin"}) for pk in pks
    ]


def test_deleting_an_organisation_counts_what_went_with_it(admin_client_mfa, staff_superuser, member, other_member):
    organisation = OrganisationFactory()
    for user in (member, other_member):
        MembershipFactory(organisation=organisation, user=user)
    pk = organisation.pk

    response = admin_client_mfa.post(reverse("admin:network_organisation_delete", args=[pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=pk).exists()
    assert entries() == [
        (
            "network.organisation.delete",
            staff_superuser.pk,
            "network.organisation",
            str(pk),
            {
                "deleted_with_it": {"network.membership": 2},
                "via": "admin",
            },
        )
    ]


def test_the_audit_trail_itself_cannot_be_changed_in_the_admin(admin_client_mfa, member):
    entry = audit_record(actor=member, event="network.organisation.create", target=OrganisationFactory())
    before = entries()

    change_page = admin_client_mfa.post(reverse("admin:network_auditentry_change", args=[entry.pk]), {"event": "x"})
    delete_page = admin_client_mfa.post(reverse("admin:network_auditentry_delete", args=[entry.pk]), {"post": "yes"})

    assert (change_page.status_code, delete_page.status_code) == (403, 403)
    assert entries() == before


# --- Every admin -------------------------------------------------------------------------------


def test_every_admin_that_can_change_anything_writes_audit_entries(rf, staff_superuser):
    from django.contrib import admin

    from network.admin import AuditedAdminMixin

    request = rf.get("/")
    request.user = staff_superuser
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    ]

    assert unaudited == []
    assert isinstance(admin.site.get_model_admin(Group), AuditedAdminMixin)


def test_staff_change_a_groups_permissions_and_the_entry_names_them(admin_client_mfa, staff_superuser):
    from django.contrib.auth.models import Permission

    group = Group.objects.create(name="Vetting")
    permission = Permission.objects.get(codename="change_investorprofile")

    response, _data = change(admin_client_mfa, "auth_group", group, permissions=[str(permission.pk)])

    assert response.status_code == 302
    assert list(group.permissions.all()) == [permission]
    assert entries() == [
        (
            "auth.group.update",
            staff_superuser.pk,
            "auth.group",
            str(group.pk),
            {
                "fields": ["permissions"],
                "values": {"permissions": [str(permission)]},
                "via": "admin",
            },
        )
    ]


def test_staff_remove_a_members_second_factor_and_the_entry_records_it(admin_client_mfa, staff_superuser, member):
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.create(user=member, type=Authenticator.Type.RECOVERY_CODES, data={"x": 1})
    pk = authenticator.pk

    response = admin_client_mfa.post(reverse("admin:mfa_authenticator_delete", args=[pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=pk).exists()
    assert entries() == [
        ("mfa.authenticator.delete", staff_superuser.pk, "mfa.authenticator", str(pk), {"via": "admin"})
    ]
