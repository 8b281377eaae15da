# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local Pax8 partner API look-alike (v1 subset) for the Pax8 connector, tests and demos.

Entry point: `seatline.simulators.pax8.server.Pax8Simulator` (or `seatline simulator pax8`).
Module map: `errors` (Pax8's error envelope), `api` (token, companies, subscriptions, invoices and
their items, draft items; page/size paging), `seed` (the `/_sim/` routes that fill the stores),
`server` (state, authentication, HTTP server, command line).
"""
