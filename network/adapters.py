from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction


class AccountAdapter(DefaultAccountAdapter):
    """Rabta's hooks into allauth.

    - Every new account gets its profile at once.
    - Account emails (verification, password reset, security notices) are
      rendered in the request but sent by the background worker, so a slow
      mail server never holds up a page.
    """

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            from network.services import profile_ensure

            profile_ensure(user=user)
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from network.tasks import send_email_message

        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
        payload = {
            "subject": str(message.subject),
            "body": message.body,
            "to": list(message.to),
            "from_email": message.from_email,
            "html": html,
        }
        transaction.on_commit(lambda: send_email_message.enqueue(**payload))
