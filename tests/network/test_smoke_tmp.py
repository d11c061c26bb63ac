import pytest
from django.core import mail
from django.urls import reverse

from network import services


def test_intro_flow(member, other_member, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        intro = services.introduction_request(requester=member, recipient=other_member, reason="x" * 30)
    assert run_tasks() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("name", ["network:member-list", "network:dashboard", "network:profile-edit", "network:organisation-list", "network:introduction-list", "network:notification-list", "network:organisation-create"])
def test_pages(member_client, name):
    r = member_client.get(reverse(name))
    assert r.status_code == 200, r.content[:2000]


def test_home(client, member):
    assert client.get("/").status_code == 200
    assert client.get(reverse("network:member-detail", args=[member.pk])).status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accounts/signup/").status_code == 200
