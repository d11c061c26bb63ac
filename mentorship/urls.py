from django.urls import path

from mentorship.views import bookings, calendars, discovery, mentoring, room

app_name = "mentorship"

urlpatterns = [
    path("mentors/", discovery.mentor_list, name="mentor-list"),
    path("mentors/<id:pk>/", discovery.mentor_detail, name="mentor-detail"),
    path("mentors/<id:pk>/book/<id:type_id>/<slot:start>/", discovery.booking_create, name="booking-create"),
    path("mentoring/", mentoring.mentor_dashboard, name="mentor-dashboard"),
    path("mentoring/settings/", mentoring.mentor_settings, name="mentor-settings"),
    path("mentoring/hours/", mentoring.mentor_availability, name="mentor-availability"),
    path("mentoring/session-types/", mentoring.session_type_list, name="session-type-list"),
    path("mentoring/session-types/new/", mentoring.session_type_edit, name="session-type-create"),
    path("mentoring/session-types/<id:type_id>/", mentoring.session_type_edit, name="session-type-edit"),
    path("sessions/", bookings.booking_list, name="booking-list"),
    path("sessions/<id:pk>/", bookings.booking_detail, name="booking-detail"),
    path("sessions/<id:pk>/accept/", bookings.booking_accept, name="booking-accept"),
    path("sessions/<id:pk>/decline/", bookings.booking_decline, name="booking-decline"),
    path("sessions/<id:pk>/cancel/", bookings.booking_cancel, name="booking-cancel"),
    path("sessions/<id:pk>/held/", bookings.booking_complete, name="booking-complete"),
    path("sessions/<id:pk>/no-show/", bookings.booking_no_show, name="booking-no-show"),
    path("sessions/<id:pk>/move/<slot:start>/", bookings.booking_reschedule, name="booking-reschedule"),
    path("sessions/<id:pk>/feedback/", bookings.feedback_create, name="feedback-create"),
    path("sessions/<id:pk>/review/", bookings.review_update, name="review-update"),
    path("sessions/<id:pk>/endorse/", bookings.endorsement_create, name="endorsement-create"),
    path("sessions/<id:pk>/calendar.ics", calendars.booking_ics, name="booking-ics"),
    path("sessions/<id:pk>/room/", room.booking_room, name="booking-room"),
    path("sessions/<id:pk>/room/messages/", room.booking_room_message, name="booking-room-message"),
    path("sessions/<id:pk>/room/notes/", room.booking_room_notes, name="booking-room-notes"),
    path("calendar/", calendars.calendar_settings, name="calendar-settings"),
    path("calendar/<str:token>.ics", calendars.calendar_feed, name="calendar-feed"),
]
