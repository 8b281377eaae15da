# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every vendor simulator shares (standard library only, no Django).

`clock` (the controllable clock and date formats), `jsonio` (JSON with exact Decimals), `web`
(requests, responses, a route table per simulator), `errors` (the exception a handler raises to
answer with the vendor's error envelope), `state` (stores + atomic persistence to a state file),
`faults` (injected failures), `dispatch` (one request: faults, routing, error envelopes, saving),
`control` (the `/_sim/` clock, faults, config, reset and state API), `server` (the threaded HTTP
server and the command-line runner), `idempotency` (stored responses per idempotency key) and
`webhooks` (signed event delivery to a configured URL, with replay).
"""
