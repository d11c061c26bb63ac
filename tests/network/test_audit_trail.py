"""The audit trail cannot be rewritten: not through the model, the ORM, raw SQL or by deleting a member."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.db.models import ProtectedError

from investments.models import DeckAccess
from network.audit import append_only_models, audit_record
from network.models import AuditEntry, Organisation, User

pytestmark = pytest.mark.django_db


def rows() -> list[tuple]:
    return list(AuditEntry.objects.order_by("id").values_list("id", "event", "actor_id", "target_id", "data"))


@pytest.fixture
def entry(member) -> AuditEntry:
    organisation = Organisation.objects.create(name="Raqam Pay", slug="raqam-pay", kind="startup")
    return audit_record(actor=member, event="network.organisation.create", target=organisation, data={"a": 1})


def test_an_entry_is_written(member):
    # given
    organisation = Organisation.objects.create(name="Khet Kahani", slug="khet-kahani", kind="startup")

    # when
    entry = audit_record(actor=member, event="network.organisation.create", target=organisation, data={"x": "y"})

    # then: inserting is the one thing the table allows
    assert rows() == [(entry.pk, "network.organisation.create", member.pk, str(organisation.pk), {"x": "y"})]


def test_the_model_and_its_queryset_refuse_a_change(entry):
    before = rows()

    entry.event = "network.organisation.delete"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(event="network.organisation.delete")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert rows() == before


def _save_past_the_model(entry):
    entry.data = {"a": 2}
    models.Model.save(entry)


def _delete_past_the_model(entry):
    models.Model.delete(entry)


def _update_past_the_queryset(entry):
    models.QuerySet(AuditEntry).filter(pk=entry.pk).update(data={"a": 2})


def _delete_past_the_queryset(entry):
    models.QuerySet(AuditEntry).filter(pk=entry.pk).delete()


def _raw_update(entry):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE network_auditentry SET event = 'rewritten' WHERE id = %s", [entry.pk])


def _raw_delete(entry):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM network_auditentry WHERE id = %s", [entry.pk])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_save_past_the_model, id="instance-save"),
        pytest.param(_delete_past_the_model, id="instance-delete"),
        pytest.param(_update_past_the_queryset, id="queryset-update"),
        pytest.param(_delete_past_the_queryset, id="queryset-delete"),
        pytest.param(_raw_update, id="sql-update"),
        pytest.param(_raw_delete, id="sql-delete"),
    ],
)
def test_the_database_refuses_a_change_that_gets_past_the_orm(entry, change):
    # given: the model's own guards are stepped round; only the database is left
    before = rows()

    # when / then
    with pytest.raises(DatabaseError, match="network_auditentry is append-only"), transaction.atomic():
        change(entry)

    assert rows() == before


def _truncate(table: str) -> None:
    with connection.cursor() as cursor:
        # The entry's foreign key is checked at commit; check it now, or PostgreSQL refuses the
        # TRUNCATE for that reason ("pending trigger events") before the trigger is asked.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {table}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists only on PostgreSQL")
@pytest.mark.parametrize("table", ["network_auditentry", "investments_deckaccess"])
def test_postgresql_refuses_to_truncate_an_append_only_table(entry, table):
    before = rows()

    with pytest.raises(DatabaseError, match=f"{table} is append-only"), transaction.atomic():
        _truncate(table)

    assert rows() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists only on PostgreSQL")
def test_postgresql_refuses_to_truncate_the_trail_by_cascade_from_the_members(entry):
    before = rows()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _truncate("network_user CASCADE")

    assert rows() == before
    assert User.objects.filter(pk=entry.actor_id).exists()


def test_a_member_named_in_the_trail_cannot_be_deleted(entry, member):
    # given
    before = rows()

    # when: Django refuses before the database is asked (PROTECT), with the entries named
    with pytest.raises(ProtectedError) as refused:
        member.delete()

    # then
    assert "protected foreign keys" in str(refused.value)
    assert set(refused.value.protected_objects) == {entry}
    assert User.objects.filter(pk=member.pk).exists()
    assert rows() == before


def test_a_member_named_nowhere_in_the_trail_can_still_be_deleted(entry, other_member):
    other_member.delete()

    assert not User.objects.filter(pk=other_member.pk).exists()
    assert len(rows()) == 1


def test_every_append_only_table_has_its_triggers():
    # A later migration that rebuilds one of these tables on SQLite drops its triggers; this notices.
    tables = sorted(model._meta.db_table for model in append_only_models())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'"
            )
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {(table, name) for table, name in cursor.fetchall()}

    assert tables == ["investments_deckaccess", "network_auditentry"]
    expected = {
        "postgresql": {
            ("investments_deckaccess", "investments_deckaccess_append_only"),
            ("investments_deckaccess", "investments_deckaccess_no_truncate"),
            ("network_auditentry", "network_auditentry_append_only"),
            ("network_auditentry", "network_auditentry_no_truncate"),
        },
        "sqlite": {
            ("investments_deckaccess", "investments_deckaccess_append_only"),
            ("investments_deckaccess", "investments_deckaccess_no_delete"),
            ("network_auditentry", "network_auditentry_append_only"),
            ("network_auditentry", "network_auditentry_no_delete"),
        },
    }[connection.vendor]
    assert expected <= triggers
    assert DeckAccess in append_only_models()
