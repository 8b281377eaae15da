# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local GoCardless look-alike (Pro API subset, version 2015-07-06) for the GoCardless connector.

Entry point: `seatline.simulators.gocardless.server.GoCardlessSimulator` (or `seatline simulator
gocardless`). Module map: `common` (ids, error envelope, routes, idempotency, events), `api`
(customers, bank accounts, mandates, billing requests and flows, payments, refunds), `lifecycle`
(what the clock and the scenario simulators do to mandates and payments), `server`. Resource
shapes follow the gocardless-pro client's resources (generated from GoCardless' API schema).
"""
