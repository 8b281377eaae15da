# A subscription's usage markup is NULL when it has none of its own (the configuration's default
# applies); an explicit 0 now means no markup. Before, 0 meant "use the default": existing zeros
# become NULL so every subscription keeps billing what it billed.

import decimal

import django.core.validators
from django.db import migrations, models


def zero_to_default(apps, schema_editor):
    Subscription = apps.get_model("subscriptions", "Subscription")
    Subscription.objects.filter(markup_percent=0).update(markup_percent=None)


def default_to_zero(apps, schema_editor):
    Subscription = apps.get_model("subscriptions", "Subscription")
    Subscription.objects.filter(markup_percent__isnull=True).update(markup_percent=0)


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0002_refundable_lots"),
    ]

    operations = [
        migrations.AlterField(
            model_name="subscription",
            name="markup_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                default=None,
                help_text="blank: the configuration's default usage markup; 0: no markup",
                max_digits=9,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(decimal.Decimal("-100")),
                    django.core.validators.MaxValueValidator(decimal.Decimal("1000")),
                ],
                verbose_name="usage markup %",
            ),
        ),
        migrations.RunPython(zero_to_default, default_to_zero),
    ]
