# SPDX-License-Identifier: AGPL-3.0-or-later
"""PayNow: the public page of an invoice (signed link), paid through the processor's hosted page."""
