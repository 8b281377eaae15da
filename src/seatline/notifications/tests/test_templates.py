# SPDX-License-Identifier: AGPL-3.0-or-later
"""E-mail templates: shipped ones render in every language, edits are checked on save (the sandbox
and unknown variables refused with the line), and `send` refuses what it cannot send."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from seatline.common.languages import DOCUMENT_LANGUAGES
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.jobs.models import Job
from seatline.notifications import catalog, rendering
from seatline.notifications.models import EmailTemplate, OutgoingEmail
from seatline.notifications.services import restore_shipped, seed_templates, send, template_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.invalid", "pw"))
    return client


def change_url(key: str) -> str:
    return reverse("admin:notifications_emailtemplate_change", args=[EmailTemplate.objects.get(key=key).pk])


def form_data(template: EmailTemplate, **changes: str) -> dict[str, str]:
    data = {
        "active": "on",
        "subject": template.subject,
        "text_body": template.text_body,
        "html_body": template.html_body,
        "to": template.to,
        "cc": template.cc,
        "bcc": template.bcc,
    }
    data.update(changes)
    return data


def test_the_shipped_templates_are_seeded_and_render_with_their_sample_in_every_language():
    assert sorted(EmailTemplate.objects.values_list("key", flat=True)) == sorted(catalog.SPECS)
    assert seed_templates() == 0  # already there
    for key, spec in catalog.SPECS.items():
        template = EmailTemplate.objects.get(key=key)
        english = None
        for language in DOCUMENT_LANGUAGES:
            with translation.override(language):
                subject = rendering.render_subject(template.subject, spec.sample_context())
                text = rendering.render(template.text_body, spec.sample_context(), field="text_body")
                rendering.render(template.html_body, spec.sample_context(), field="html_body", html=True)
            assert subject and text.strip()
            if language == "en":
                english = (subject, text)
            else:
                assert (subject, text) != english, f"{key} is not translated into {language}"


def test_a_sandbox_escape_is_refused_on_save_with_its_line(staff_client):
    template = EmailTemplate.objects.get(key="invoice_issued")
    attack = "<p>Hello</p>\n<p>{{ invoice_number }}</p>\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
    response = staff_client.post(change_url("invoice_issued"), form_data(template, html_body=attack))
    assert response.status_code == 200  # the form again, with the error
    body = response.content.decode()
    assert (
        "line 3: not allowed in a template: access to attribute &#x27;__class__&#x27; of &#x27;str&#x27; object is unsafe."
        in body
    )
    template.refresh_from_db()
    assert "__class__" not in template.html_body


def test_an_unknown_variable_and_a_syntax_error_are_form_errors_naming_the_line(staff_client):
    template = EmailTemplate.objects.get(key="invoice_issued")
    text = "Hello {{ account_name }},\nyour invoice {{ invoice_numbr }} is ready.\n"
    response = staff_client.post(
        change_url("invoice_issued"), form_data(template, text_body=text, subject="{% if %}Invoice")
    )
    body = response.content.decode()
    assert "line 2: &#x27;invoice_numbr&#x27; is undefined" in body
    assert "line 1: syntax error: Expected an expression, got &#x27;end of statement block&#x27;" in body
    assert EmailTemplate.objects.get(key="invoice_issued").text_body == template.text_body


def test_a_valid_edit_is_saved_and_restore_brings_back_the_shipped_text(staff_client):
    template = EmailTemplate.objects.get(key="invoice_issued")
    response = staff_client.post(
        change_url("invoice_issued"),
        form_data(
            template, subject="{{ company_name }}: invoice {{ invoice_number }}", cc="books@partner.example"
        ),
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.cc) == (
        "{{ company_name }}: invoice {{ invoice_number }}",
        "books@partner.example",
    )
    restore_shipped(template=template)
    assert template.subject == catalog.SPECS["invoice_issued"].shipped("subject").strip()


def test_recipient_rules_accept_addresses_and_keywords_only(staff_client):
    template = EmailTemplate.objects.get(key="invoice_issued")
    response = staff_client.post(
        change_url("invoice_issued"), form_data(template, bcc="archive@x.example, nobody")
    )
    assert (
        "&#x27;nobody&#x27; is neither an e-mail address nor one of {billing_contacts}"
        in response.content.decode()
    )


def test_a_template_must_keep_its_mandatory_link():
    problems = template_problems(
        key="payment_method_request", subject="Add a card", text_body="Hello {{ contact_name }}", html_body=""
    )
    assert [str(problem) for problem in problems] == ["the template must use {{ secure_link }}"]


def test_the_template_page_documents_its_variables_and_previews_the_sample(staff_client):
    body = staff_client.get(change_url("payment_failed")).content.decode()
    assert "failure_reason" in body and "why, as the processor said it" in body
    assert "Payment of invoice INV-000123 failed" in body  # the preview's subject


def test_send_refuses_a_missing_variable_no_recipient_and_an_inactive_template():
    account = Account.objects.create(name="Nobody Ltd")
    context = catalog.SPECS["payment_receipt"].sample_context()
    with pytest.raises(SeatlineError) as missing:
        send("payment_receipt", to_account=account, context={"amount": "1"})
    assert (missing.value.code, missing.value.field) == ("missing_context", "context")
    with pytest.raises(SeatlineError) as nobody:
        send("payment_receipt", to_account=account, context=context)
    assert (nobody.value.code, nobody.value.field) == ("no_recipient", "to_account")
    EmailTemplate.objects.filter(key="payment_receipt").update(active=False)
    account.contacts.create(first_name="A", last_name="B", email="ap@nobody.example", role="billing")
    with pytest.raises(SeatlineError) as inactive:
        send("payment_receipt", to_account=account, context=context)
    assert inactive.value.code == "template_inactive"
    with pytest.raises(SeatlineError) as unknown:
        send("no_such_mail", context={})
    assert unknown.value.code == "unknown_template"
    assert OutgoingEmail.objects.count() == 0 and Job.objects.count() == 0


def test_send_renders_now_and_queues_one_job_in_the_callers_transaction():
    account = Account.objects.create(name="Fabrikam GmbH", language="fr-FR")
    account.contacts.create(first_name="A", last_name="B", email="ap@fabrikam.example", role="billing")
    template = EmailTemplate.objects.get(key="payment_receipt")
    template.cc = "{recipients}, books@partner.example"
    template.save()
    context = catalog.SPECS["payment_receipt"].sample_context()
    email = send("payment_receipt", to_account=account, to=["sales@partner.example"], context=context)
    assert (email.to, email.cc, email.language) == (
        ["ap@fabrikam.example"],
        ["sales@partner.example", "books@partner.example"],
        "fr-FR",
    )
    assert email.subject == "Paiement reçu pour la facture INV-000123"
    assert "Merci : nous avons reçu €500.00 le 10 Mar 2024 pour la facture INV-000123." in email.text_body
    (job,) = Job.objects.filter(job_type="send_email")
    assert (job.parameters, job.related, email.job) == ({"email_id": email.pk}, email, job)
