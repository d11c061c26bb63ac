from django.urls import path

from mentorship import views

app_name = "mentorship"

urlpatterns = [
    path("mentors/", views.mentor_list, name="mentor-list"),
    path("mentors/<int:pk>/", views.mentor_detail, name="mentor-detail"),
    path("mentors/<int:pk>/book/<int:type_id>/<str:start>/", views.booking_create, name="booking-create"),
    path("mentoring/", views.mentor_dashboard, name="mentor-dashboard"),
    path("mentoring/settings/", views.mentor_settings, name="mentor-settings"),
    path("mentoring/hours/", views.mentor_availability, name="mentor-availability"),
    path("mentoring/session-types/", views.session_type_list, name="session-type-list"),
    path("mentoring/session-types/new/", views.session_type_edit, name="session-type-create"),
    path("mentoring/session-types/<int:type_id>/", views.session_type_edit, name="session-type-edit"),
    path("sessions/", views.booking_list, name="booking-list"),
    path("sessions/<int:pk>/", views.booking_detail, name="booking-detail"),
    path("sessions/<int:pk>/accept/", views.booking_accept, name="booking-accept"),
    path("sessions/<int:pk>/decline/", views.booking_decline, name="booking-decline"),
    path("sessions/<int:pk>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("sessions/<int:pk>/held/", views.booking_complete, name="booking-complete"),
    path("sessions/<int:pk>/no-show/", views.booking_no_show, name="booking-no-show"),
    path("sessions/<int:pk>/move/<str:start>/", views.booking_reschedule, name="booking-reschedule"),
    path("sessions/<int:pk>/feedback/", views.feedback_create, name="feedback-create"),
    path("sessions/<int:pk>/endorse/", views.endorsement_create, name="endorsement-create"),
    path("sessions/<int:pk>/calendar.ics", views.booking_ics, name="booking-ics"),
    path("sessions/<int:pk>/room/", views.booking_room, name="booking-room"),
    path("sessions/<int:pk>/room/messages/", views.booking_room_message, name="booking-room-message"),
    path("sessions/<int:pk>/room/notes/", views.booking_room_notes, name="booking-room-notes"),
    path("calendar/", views.calendar_settings, name="calendar-settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
