# SPDX-License-Identifier: AGPL-3.0-or-later
"""The seeded new-commerce catalog: products, SKUs, availabilities and the price list.

Prices follow the real price list's model (Partner Center pricing API): a price per
(availability, termDuration, billingCycle) for the whole term; the charge per billing period is
that price divided by the number of billing periods in the term. The P1M price is generated as
1.2 x (P1Y price / 12). One market (US) and one currency (USD).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

CURRENCY = "USD"
CURRENCY_SYMBOL = "$"
COUNTRY = "US"
PUBLISHER = "Microsoft Corporation"
NCE = "OnlineServicesNCE"
AZURE = "Azure"

# (termDuration, billingCycle) -> billing periods in the term and the recon text.
TERM_CYCLES: dict[tuple[str, str], int] = {
    ("P1M", "Monthly"): 1,
    ("P1Y", "Monthly"): 12,
    ("P1Y", "Annual"): 1,
    ("P3Y", "Monthly"): 36,
    ("P3Y", "Annual"): 3,
    ("P3Y", "Triennial"): 1,
}
CYCLE_MONTHS = {"Monthly": 1, "Annual": 12, "Triennial": 36}
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
TERM_TEXT = {
    "P1M": "One-Month commitment for monthly billing",
    "P1Y": "One-Year commitment for monthly/yearly billing",
    "P3Y": "Three-Year commitment for monthly/yearly billing",
}
TERM_DESCRIPTION = {
    "P1M": "One-Month commitment",
    "P1Y": "One-Year commitment",
    "P3Y": "Three-Year commitment",
}
BILLING_CYCLES = {"monthly": "Monthly", "annual": "Annual", "triennial": "Triennial", "onetime": "OneTime"}


@dataclass(frozen=True)
class Offer:
    """One purchasable catalog item (product + SKU + availability)."""

    product_id: str
    sku_id: str
    availability_id: str
    title: str
    sku_title: str
    description: str
    annual_price: Decimal  # P1Y whole-term price per seat
    min_quantity: int = 1
    max_quantity: int = 300
    terms: tuple[tuple[str, str], ...] = (("P1M", "Monthly"), ("P1Y", "Monthly"), ("P1Y", "Annual"))
    product_type: str = NCE

    @property
    def catalog_item_id(self) -> str:
        return f"{self.product_id}:{self.sku_id}:{self.availability_id}"

    @property
    def is_usage(self) -> bool:
        return self.product_type == AZURE

    def term_price(self, term: str, cycle: str) -> Decimal:
        """The whole-term unit price (the price list's UnitPrice)."""
        if term == "P1M":
            return self.annual_price / 12 * Decimal("1.2")
        return self.annual_price * (TERM_MONTHS[term] // 12)

    def period_price(self, term: str, cycle: str) -> Decimal:
        """The unit price charged per billing period (recon `unitPrice`, cart `listPrice`)."""
        return (self.term_price(term, cycle) / TERM_CYCLES[(term, cycle)]).quantize(Decimal("0.01"))


_ALL_TERMS = (
    ("P1M", "Monthly"),
    ("P1Y", "Monthly"),
    ("P1Y", "Annual"),
    ("P3Y", "Monthly"),
    ("P3Y", "Annual"),
    ("P3Y", "Triennial"),
)

OFFERS: tuple[Offer, ...] = (
    Offer("CFQ7TTC0LH18", "0001", "CFQ7TTC0K971", "Microsoft 365 Business Basic", "Microsoft 365 Business Basic",
          "Email, file storage and Teams for small businesses.", Decimal("72.00"), terms=_ALL_TERMS),
    Offer("CFQ7TTC0LDPB", "0001", "CFQ7TTC0K5DM", "Microsoft 365 Business Standard", "Microsoft 365 Business Standard",
          "Business Basic plus desktop Office apps.", Decimal("150.00"), terms=_ALL_TERMS),
    Offer("CFQ7TTC0LCHC", "0002", "CFQ7TTC0K5FL", "Microsoft 365 Business Premium", "Microsoft 365 Business Premium",
          "Business Standard plus advanced security.", Decimal("264.00"), terms=_ALL_TERMS),
    Offer("CFQ7TTC0LF8Q", "0001", "CFQ7TTC0N81H", "Office 365 E3", "Office 365 E3",
          "Enterprise productivity and collaboration.", Decimal("276.00"), max_quantity=5000, terms=_ALL_TERMS),
    Offer("CFQ7TTC0LFLZ", "0002", "CFQ7TTC0N8MF", "Microsoft 365 E5", "Microsoft 365 E5 (no Teams)",
          "Enterprise productivity, security and analytics.", Decimal("684.00"), max_quantity=5000, terms=_ALL_TERMS),
    Offer("CFQ7TTC0LH16", "0001", "CFQ7TTC0K8P5", "Exchange Online (Plan 1)", "Exchange Online (Plan 1)",
          "Business email with a 50 GB mailbox.", Decimal("48.00"), max_quantity=5000),
    Offer("CFQ7TTC0RM8K", "0001", "CFQ7TTC0RM9D", "Microsoft Teams Essentials", "Microsoft Teams Essentials",
          "Meetings and chat for small businesses.", Decimal("48.00")),
    # More licence offers, so every Partner Center product of the demo tenant can be ordered.
    Offer("CFQ7TTC0LH1G", "0001", "CFQ7TTC0628B", "Microsoft 365 Apps for business", "Microsoft 365 Apps for business",
          "Microsoft 365 Apps for business (seeded for the demo catalog).", Decimal("118.80")),
    Offer("CFQ7TTC0LFLX", "0001", "CFQ7TTC0FDC6", "Microsoft 365 E3", "Microsoft 365 E3",
          "Microsoft 365 E3 (seeded for the demo catalog).", Decimal("518.40")),
    Offer("CFQ7TTC0LGTX", "0001", "CFQ7TTC01CAC", "Microsoft 365 F3", "Microsoft 365 F3",
          "Microsoft 365 F3 (seeded for the demo catalog).", Decimal("115.20")),
    Offer("CFQ7TTC0LF8P", "0001", "CFQ7TTC00BDD", "Office 365 E1", "Office 365 E1",
          "Office 365 E1 (seeded for the demo catalog).", Decimal("144.00")),
    Offer("CFQ7TTC0LF8S", "0001", "CFQ7TTC050CE", "Office 365 E5", "Office 365 E5",
          "Office 365 E5 (seeded for the demo catalog).", Decimal("547.20")),
    Offer("CFQ7TTC0LH1B", "0001", "CFQ7TTC08528", "Exchange Online (Plan 2)", "Exchange Online (Plan 2)",
          "Exchange Online (Plan 2) (seeded for the demo catalog).", Decimal("115.20")),
    Offer("CFQ7TTC0RM8L", "0001", "CFQ7TTC03469", "Microsoft Teams Premium", "Microsoft Teams Premium",
          "Microsoft Teams Premium (seeded for the demo catalog).", Decimal("144.00")),
    Offer("CFQ7TTC0L3PB", "0001", "CFQ7TTC0C00A", "Power BI Pro", "Power BI Pro",
          "Power BI Pro (seeded for the demo catalog).", Decimal("201.60")),
    Offer("CFQ7TTC0HL8W", "0001", "CFQ7TTC0B463", "Power BI Premium Per User", "Power BI Premium Per User",
          "Power BI Premium Per User (seeded for the demo catalog).", Decimal("345.60")),
    Offer("CFQ7TTC0HDB1", "0002", "CFQ7TTC04E23", "Project Plan 1", "Project Plan 1",
          "Project Plan 1 (seeded for the demo catalog).", Decimal("144.00")),
    Offer("CFQ7TTC0HDB0", "0002", "CFQ7TTC0CE0D", "Project Plan 3", "Project Plan 3",
          "Project Plan 3 (seeded for the demo catalog).", Decimal("432.00")),
    Offer("CFQ7TTC0HD33", "0001", "CFQ7TTC05736", "Visio Plan 2", "Visio Plan 2",
          "Visio Plan 2 (seeded for the demo catalog).", Decimal("216.00")),
    Offer("CFQ7TTC0LCHC", "0004", "CFQ7TTC01455", "Microsoft Defender for Business", "Microsoft Defender for Business",
          "Microsoft Defender for Business (seeded for the demo catalog).", Decimal("43.20")),
    Offer("CFQ7TTC0LGTZ", "0001", "CFQ7TTC0D0B6", "Microsoft Defender for Endpoint P2", "Microsoft Defender for Endpoint P2",
          "Microsoft Defender for Endpoint P2 (seeded for the demo catalog).", Decimal("79.20")),
    Offer("CFQ7TTC0LCH4", "0001", "CFQ7TTC06130", "Microsoft Intune Plan 1", "Microsoft Intune Plan 1",
          "Microsoft Intune Plan 1 (seeded for the demo catalog).", Decimal("115.20")),
    Offer("CFQ7TTC0LFK5", "0001", "CFQ7TTC03B10", "Microsoft Entra ID P1", "Microsoft Entra ID P1",
          "Microsoft Entra ID P1 (seeded for the demo catalog).", Decimal("86.40")),
    Offer("CFQ7TTC0LFK6", "0001", "CFQ7TTC0A77E", "Microsoft Entra ID P2", "Microsoft Entra ID P2",
          "Microsoft Entra ID P2 (seeded for the demo catalog).", Decimal("129.60")),
    Offer("CFQ7TTC0MM8R", "0002", "CFQ7TTC0B25F", "Microsoft 365 Copilot", "Microsoft 365 Copilot",
          "Microsoft 365 Copilot (seeded for the demo catalog).", Decimal("432.00")),
    Offer("CFQ7TTC0LH4J", "0001", "CFQ7TTC0392F", "Dynamics 365 Sales Professional", "Dynamics 365 Sales Professional",
          "Dynamics 365 Sales Professional (seeded for the demo catalog).", Decimal("936.00")),
    Offer("CFQ7TTC0LH4N", "0001", "CFQ7TTC06F93", "Dynamics 365 Business Central Essentials", "Dynamics 365 Business Central Essentials",
          "Dynamics 365 Business Central Essentials (seeded for the demo catalog).", Decimal("1008.00")),
    Offer("CFQ7TTC0J203", "0001", "CFQ7TTC0E95C", "Windows 365 Business 2vCPU/8GB", "Windows 365 Business 2vCPU/8GB",
          "Windows 365 Business 2vCPU/8GB (seeded for the demo catalog).", Decimal("590.40")),
    Offer("DZH318Z0BPS6", "0001", "DZH318Z0BML6", "Azure plan", "Azure plan",
          "Pay-as-you-go Azure consumption.", Decimal("0"), max_quantity=1, terms=(), product_type=AZURE),
)  # fmt: skip

_BY_CATALOG_ID = {offer.catalog_item_id.upper(): offer for offer in OFFERS}


def find_offer(catalog_item_id: str | None) -> Offer | None:
    if not isinstance(catalog_item_id, str):
        return None
    return _BY_CATALOG_ID.get(catalog_item_id.upper())


def products_for(product_id: str) -> list[Offer]:
    return [offer for offer in OFFERS if offer.product_id.upper() == product_id.upper()]


def normalise_cycle(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return BILLING_CYCLES.get(value.strip().lower())


def _link(uri: str) -> dict[str, Any]:
    return {"uri": uri, "method": "GET", "headers": []}


def product_resource(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.product_id,
        "title": offer.title,
        "description": offer.description,
        "productType": {"id": offer.product_type, "displayName": offer.product_type},
        "isMicrosoftProduct": True,
        "publisherName": PUBLISHER,
        "links": {
            "skus": _link(f"/products/{offer.product_id}/skus?country={COUNTRY}"),
            "self": _link(f"/products/{offer.product_id}?country={COUNTRY}"),
        },
        "attributes": {"objectType": "Product"},
    }


def sku_resource(offer: Offer) -> dict[str, Any]:
    cycles = sorted({cycle.lower() for _, cycle in offer.terms}) or ["one_time"]
    return {
        "id": offer.sku_id,
        "productId": offer.product_id,
        "title": offer.sku_title,
        "description": offer.description,
        "minimumQuantity": offer.min_quantity,
        "maximumQuantity": offer.max_quantity,
        "isTrial": False,
        "supportedBillingCycles": cycles,
        "purchasePrerequisites": [],
        "inventoryVariables": [],
        "provisioningVariables": [],
        "actions": [],
        "consumptionType": "Usage" if offer.is_usage else "None",
        "dynamicAttributes": {
            "isAddon": False,
            "prerequisiteSkus": [],
            "upgradeTargetOffers": [],
            "hasConstraints": False,
        },
        "attestationProperties": {"enforceAttestation": False},
        "links": {
            "availabilities": _link(
                f"/products/{offer.product_id}/skus/{offer.sku_id}/availabilities?country={COUNTRY}"
            ),
            "self": _link(f"/products/{offer.product_id}/skus/{offer.sku_id}?country={COUNTRY}"),
        },
        "attributes": {"objectType": "Sku"},
    }


def availability_resource(offer: Offer) -> dict[str, Any]:
    terms = [
        {
            "duration": term,
            "description": TERM_DESCRIPTION[term],
            "billingCycle": cycle,
            "cancellationPolicies": [
                {
                    "refundOptions": [
                        {"sequenceId": 1, "type": "Full", "expiresAfter": "P1D"},
                        {"sequenceId": 2, "type": "Partial", "expiresAfter": "P7D"},
                    ]
                }
            ],
        }
        for term, cycle in offer.terms
    ]
    renewals = [
        {
            "applicableTermIds": [term for term, _ in offer.terms],
            "renewalOptions": [{"renewToId": offer.catalog_item_id, "isAutoRenewable": True}],
        }
    ]
    base = f"/products/{offer.product_id}/skus/{offer.sku_id}/availabilities/{offer.availability_id}"
    return {
        "id": offer.availability_id,
        "productId": offer.product_id,
        "skuId": offer.sku_id,
        "catalogItemId": offer.catalog_item_id,
        "defaultCurrency": {"code": CURRENCY, "symbol": CURRENCY_SYMBOL},
        "segment": "commercial",
        "country": COUNTRY,
        "isPurchasable": True,
        "isRenewable": not offer.is_usage,
        "renewalInstructions": [] if offer.is_usage else renewals,
        "terms": terms,
        "links": {"self": _link(f"{base}?country={COUNTRY}")},
        "attributes": {"objectType": "Availability"},
    }
