# SPDX-License-Identifier: AGPL-3.0-or-later
"""Accounts and contacts."""

from __future__ import annotations

from rest_framework import serializers

from seatline.api.fields import ScopedPrimaryKeyRelatedField
from seatline.customers.models import Account, Contact

ACCOUNT_FIELDS = (
    "name",
    "email_domain",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "region",
    "tax_exempt",
    "credit_hold",
    "currency",
    "parent",
    "active",
)


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ("id", *ACCOUNT_FIELDS, "created_at", "updated_at")
        read_only_fields = fields


class AccountWriteSerializer(serializers.Serializer):
    """The fields of an account a caller may set (all optional when updating)."""

    name = serializers.CharField(max_length=200)
    email_domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    address_line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tax_exempt = serializers.BooleanField(required=False)
    credit_hold = serializers.BooleanField(required=False)
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217 code")
    parent = ScopedPrimaryKeyRelatedField(
        account_path="pk", queryset=Account.objects.all(), required=False, allow_null=True
    )
    active = serializers.BooleanField(required=False)


CONTACT_FIELDS = ("account", "first_name", "last_name", "email", "phone", "role", "is_primary")


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ("id", *CONTACT_FIELDS, "created_at", "updated_at")
        read_only_fields = fields


class ContactWriteSerializer(serializers.Serializer):
    account = ScopedPrimaryKeyRelatedField(account_path="pk", queryset=Account.objects.all())
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Contact.Role.choices, required=False)
    is_primary = serializers.BooleanField(required=False)


class ContactUpdateSerializer(ContactWriteSerializer):
    """A contact stays with its account: every other field may change."""

    account = None  # type: ignore[assignment]
