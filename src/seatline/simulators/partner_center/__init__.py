# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local Microsoft Partner Center (CSP, new commerce) look-alike for tests and the demo.

Entry point: `seatline.simulators.partner_center.server.PartnerCenterSimulator` (or
`seatline simulator partner-center`). Module map: `clock` (time + formats), `catalog` (seed
catalog and prices), `state` (stores + persistence), `rules` (subscription state machine),
`ledger` (charge rows, month close), `scheduler` (time-driven jobs), `auth` (tokens), `control`
(`/_sim/` API), `api_*` (Partner Center resources), `handlers` (dispatch), `server` (HTTP).
"""
