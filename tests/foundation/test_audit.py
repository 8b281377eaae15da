# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every create, update and delete of audited records leaves who / when / what."""

from __future__ import annotations

import datetime as dt

import pytest

from seatline import clock
from seatline.audit.context import acting_as
from seatline.audit.models import AuditEvent
from seatline.audit.services import history
from seatline.configuration.models import Configuration
from tests.factories import make_contract, make_draft_invoice, make_subscription

pytestmark = pytest.mark.django_db


def test_contract_create_update_delete_are_recorded_with_actor_and_time() -> None:
    moment = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
    with clock.frozen(moment), acting_as("alice"):
        contract = make_contract()
        contract.discount_percent = 5
        contract.save()
    events = list(history(contract).order_by("id"))
    assert [event.action for event in events] == ["create", "update"]
    assert all(event.actor == "alice" and event.at == moment for event in events)
    assert events[1].changes == {"discount_percent": ["0", "5"]}
    assert events[0].changes["name"] == [None, "Wingtip CSP"]


def test_unchanged_save_records_nothing() -> None:
    contract = make_contract()
    contract.refresh_from_db()
    contract.save()
    assert history(contract).count() == 1


def test_subscription_invoice_and_configuration_changes_are_recorded() -> None:
    subscription = make_subscription()
    invoice = make_draft_invoice(contract=subscription.contract)
    config = Configuration.get()
    config.generate_refunds = True
    with acting_as("bob"):
        config.save()
    assert history(subscription).filter(action="create").exists()
    assert history(invoice).filter(action="create").exists()
    event = history(config).filter(action="update").get()
    assert event.actor == "bob"
    assert event.changes == {"generate_refunds": [False, True]}


def test_delete_is_recorded() -> None:
    invoice = make_draft_invoice()
    pk = invoice.pk
    invoice.delete()
    assert AuditEvent.objects.filter(object_id=str(pk), action="delete").count() == 1


def test_audit_events_are_append_only() -> None:
    contract = make_contract()
    event = history(contract).get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


CONFIG_FORM = {
    "tenant_currency": "USD",
    "time_zone": "UTC",
    "seller_name": "Seatline Demo Partner",
    "seller_address": "",
    "seller_tax_id": "",
    "invoice_date_basis": "cycle",
    "auto_issue_invoices": "on",
    "change_log_weekday": "4",
    "invoice_number_format": "INV-{number:06d}",
    "credit_note_number_format": "CN-{number:06d}",
    "invoicing_cycle_range": "3",
    "date_window_years": "10",
    "default_markup_percent": "0",
}


def test_admin_changes_are_recorded_as_the_logged_in_user(admin_client) -> None:
    config = Configuration.get()
    url = f"/admin/configuration/configuration/{config.pk}/change/"
    response = admin_client.post(url, {**CONFIG_FORM, "generate_refunds": "on"})
    assert response.status_code == 302, response.content[:2000]
    event = history(config).filter(action="update").get()
    assert event.actor == "admin"
    assert event.changes == {"generate_refunds": [False, True]}


def test_admin_refuses_bad_configuration_with_a_field_error(admin_client) -> None:
    config = Configuration.get()
    url = f"/admin/configuration/configuration/{config.pk}/change/"
    response = admin_client.post(
        url, {**CONFIG_FORM, "time_zone": "Mars/Olympus", "invoice_number_format": "INV"}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "unknown time zone" in errors["time_zone"][0]
    assert "{number}" in errors["invoice_number_format"][0]
    assert not history(config).filter(action="update").exists()


def test_record_many_writes_what_record_writes_in_one_insert() -> None:
    from seatline.audit.services import AuditEntry, record, record_many

    moment = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
    contract = make_contract()
    config = Configuration.get()
    with clock.frozen(moment), acting_as("bob"):
        single = record(contract, "contract_reviewed", changes={"discount_percent": (0, 5)}, message="ok")
        many = record_many(
            [
                AuditEntry(contract, "contract_reviewed", {"discount_percent": (0, 5)}, "ok"),
                AuditEntry(config, "configuration_checked"),
            ]
        )
    fields = ("at", "actor", "action", "content_type_id", "object_id", "object_repr", "changes", "message")
    assert [getattr(many[0], name) for name in fields] == [getattr(single, name) for name in fields]
    assert (many[1].action, many[1].object_id, many[1].changes, many[1].actor) == (
        "configuration_checked",
        "1",
        {},
        "bob",
    )
    assert AuditEvent.objects.filter(action__in=("contract_reviewed", "configuration_checked")).count() == 3
