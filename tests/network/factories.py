from __future__ import annotations

import factory
from django.utils import timezone

from network.models import Introduction, Membership, Organisation, Profile, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    is_active = True

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        """Mark the email as verified in allauth, as after a real sign-up."""
        if not create:
            return
        from allauth.account.models import EmailAddress

        obj.save()
        EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=extracted is not False)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")
    headline = factory.Faker("job")
    city = "Lahore"
    country = "PK"
    timezone = "Asia/Karachi"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Startup {n}")
    slug = factory.Sequence(lambda n: f"startup-{n}")
    kind = Organisation.Kind.STARTUP
    city = "Karachi"
    country = "PK"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class IntroductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Introduction

    requester = factory.SubFactory(UserFactory)
    recipient = factory.SubFactory(UserFactory)
    reason = "I would like to learn how you took your SaaS product to customers in Europe."
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timezone.timedelta(days=14))
