# SPDX-License-Identifier: AGPL-3.0-or-later
"""A local Authorize.Net look-alike (the XML API at `/xml/v1/request.api`, AnetApiSchema.xsd shapes).

Entry point: `seatline.simulators.authorizenet.server.AuthorizeNetSimulator` (or `seatline
simulator authorizenet`). Module map: `xmlio` (requests in, responses out, element order of the
XSD, the UTF-8 byte-order mark the real gateway sends), `api` (customer and payment profiles,
transactions, refunds, voids, settlement on the clock, webhooks), `server`.
"""
