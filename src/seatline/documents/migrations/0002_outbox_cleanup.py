# SPDX-License-Identifier: AGPL-3.0-or-later
"""The outbox stays clean: jobs left waiting by earlier versions are settled.

* `create_pdf` rows now have a handler: they stay Waiting and the worker processes them.
* `send_email` rows of earlier versions (one per issued document, parameters `invoice_id`, no
  `email_id`) asked for an e-mail nobody defined: documents are now e-mailed after their PDF by
  the `create_pdf` job when their contract auto-sends. They become Not Applicable.
* Rows of any other type without a handler in this installation (a job nothing would ever run)
  become Not Applicable with the reason; `enqueue` no longer creates such rows.
"""

from django.db import migrations

UNFINISHED = ("waiting", "retry")
SUPERSEDED = (
    "superseded (documents release): an earlier version asked for an e-mail of every issued "
    "document; documents are now e-mailed after their PDF by the create_pdf job when their "
    "contract auto-sends, and the Send action e-mails any of them"
)


def settle_waiting_jobs(apps, schema_editor):
    from seatline import clock
    from seatline.jobs.registry import handled_types

    Job = apps.get_model("jobs", "Job")
    now = clock.now()
    Job.objects.filter(job_type="send_email", status__in=UNFINISHED).exclude(
        parameters__has_key="email_id"
    ).update(status="not_applicable", finished_at=now, lease_owner="", results={"reason": SUPERSEDED})
    handled = handled_types()
    orphaned = (
        Job.objects.filter(status__in=UNFINISHED)
        .exclude(job_type__in=handled)
        .values_list("job_type", flat=True)
    )
    for job_type in sorted(set(orphaned)):
        reason = (
            f"no handler for job type {job_type!r} in this installation when Seatline was upgraded "
            "(migration documents.0002): nothing would run it"
        )
        Job.objects.filter(job_type=job_type, status__in=UNFINISHED).update(
            status="not_applicable", finished_at=now, lease_owner="", results={"reason": reason}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("jobs", "0001_initial"),
    ]

    operations = [migrations.RunPython(settle_waiting_jobs, migrations.RunPython.noop)]
