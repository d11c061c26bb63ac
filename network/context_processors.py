from django.http import HttpRequest

from network.selectors import notification_unread_count


def notifications(request: HttpRequest) -> dict:
    """The unread count for the header, computed only when a template asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: notification_unread_count(user=user)}
