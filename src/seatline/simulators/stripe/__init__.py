# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local Stripe look-alike (API v1 subset) for the Stripe connector, tests and the demo.

Entry point: `seatline.simulators.stripe.server.StripeSimulator` (or `seatline simulator stripe`).
Module map: `forms` (Stripe's form encoding), `objects` (resources built from the OpenAPI
fixtures in `fixtures.json`, ids, test payment methods), `errors` (the error envelope),
`api_customers`, `api_payments` (PaymentIntents, refunds), `api_checkout` (Checkout Sessions and
the hosted page), `events` (events + signed webhooks), `server` (state, app, HTTP server). See
`docs/payments.md` for the routes and the deviations from the real API.
"""
