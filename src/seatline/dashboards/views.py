# SPDX-License-Identifier: AGPL-3.0-or-later
"""The back-office home: unfold's dashboard callback (settings UNFOLD["DASHBOARD_CALLBACK"]).

Each panel shows only to users who may read what it counts (the view permission of its models);
charts are unfold's chart components (Chart.js shipped with unfold, no CDN), fed as JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from seatline.dashboards import selectors

COLOURS = ("#2457a6", "#1b7a43", "#b54708", "#7a5af8", "#b42318", "#0e9384")


def _chart(labels: list[str], datasets: list[tuple[str, list[Any]]], *, colour_per_bar: bool = False) -> str:
    return json.dumps(
        {
            "labels": labels,
            "datasets": [
                {
                    "label": name,
                    "data": [str(value) if isinstance(value, Decimal) else value for value in values],
                    "backgroundColor": list(COLOURS[: len(values)])
                    if colour_per_bar
                    else COLOURS[index % len(COLOURS)],
                    "borderColor": COLOURS[index % len(COLOURS)],
                }
                for index, (name, values) in enumerate(datasets)
            ],
        }
    )


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    user = request.user
    panels: dict[str, Any] = {}
    if user.has_perm("invoicing.view_invoice") and user.has_perm("jobs.view_job"):
        panels["billing"] = selectors.billing_figures()
    if user.has_perm("invoicing.view_invoice") and user.has_perm("subscriptions.view_subscription"):
        manager = selectors.manager_figures()
        labels = [month.strftime("%b %Y") for month in manager.months]
        panels["manager"] = manager
        panels["revenue_chart"] = _chart(labels, list(manager.revenue_by_month.items()))
        panels["seats_chart"] = _chart(
            [label for label, _ in manager.seats_by_product],
            [("Seats", [seats for _, seats in manager.seats_by_product])],
        )
        panels["churn_chart"] = _chart(labels, [("Seats lost", manager.churned_by_month)])
    if user.has_perm("payments.view_payment"):
        counts = selectors.payment_counts()
        panels["payments"] = counts
        panels["payments_chart"] = _chart(
            [name.capitalize() for name in counts], [("Payments", list(counts.values()))], colour_per_bar=True
        )
    context["dashboard"] = panels
    return context
