# The change-log invoice weekday is `change_log_weekday` ("CLI" also means the command line).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("configuration", "0002_time_zone_default"),
    ]

    operations = [
        migrations.RenameField(
            model_name="configuration",
            old_name="cli_weekday",
            new_name="change_log_weekday",
        ),
    ]
