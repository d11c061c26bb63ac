from django.urls import path

from mentorship import views

app_name = "mentorship"

urlpatterns = [
    path("mentors/", views.mentor_list, name="mentor-list"),
    path("mentors/<id:pk>/", views.mentor_detail, name="mentor-detail"),
    path("mentors/<id:pk>/book/<id:type_id>/<slot:start>/", views.booking_create, name="booking-create"),
    path("mentoring/", views.mentor_dashboard, name="mentor-dashboard"),
    path("mentoring/settings/", views.mentor_settings, name="mentor-settings"),
    path("mentoring/hours/", views.mentor_availability, name="mentor-availability"),
    path("mentoring/session-types/", views.session_type_list, name="session-type-list"),
    path("mentoring/session-types/new/", views.session_type_edit, name="session-type-create"),
    path("mentoring/session-types/<id:type_id>/", views.session_type_edit, name="session-type-edit"),
    path("sessions/", views.booking_list, name="booking-list"),
    path("sessions/<id:pk>/", views.booking_detail, name="booking-detail"),
    path("sessions/<id:pk>/accept/", views.booking_accept, name="booking-accept"),
    path("sessions/<id:pk>/decline/", views.booking_decline, name="booking-decline"),
    path("sessions/<id:pk>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("sessions/<id:pk>/held/", views.booking_complete, name="booking-complete"),
    path("sessions/<id:pk>/no-show/", views.booking_no_show, name="booking-no-show"),
    path("sessions/<id:pk>/move/<slot:start>/", views.booking_reschedule, name="booking-reschedule"),
    path("sessions/<id:pk>/feedback/", views.feedback_create, name="feedback-create"),
    path("sessions/<id:pk>/endorse/", views.endorsement_create, name="endorsement-create"),
    path("sessions/<id:pk>/calendar.ics", views.booking_ics, name="booking-ics"),
    path("sessions/<id:pk>/room/", views.booking_room, name="booking-room"),
    path("sessions/<id:pk>/room/messages/", views.booking_room_message, name="booking-room-message"),
    path("sessions/<id:pk>/room/notes/", views.booking_room_notes, name="booking-room-notes"),
    path("calendar/", views.calendar_settings, name="calendar-settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
