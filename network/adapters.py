from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Rabta's hooks into allauth: every new account gets its profile at once."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            from network.services import profile_ensure

            profile_ensure(user=user)
        return user
