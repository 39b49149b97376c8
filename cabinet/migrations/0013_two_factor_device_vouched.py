import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Authenticators set up before this migration are named by no code: none is vouched for, so
    # those who must use two-factor sign-in set theirs up again with a code (README, Security).
    dependencies = [
        ("cabinet", "0012_rate_limit_cache_table"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.AddField(
            model_name="twofactorenrolmentcode",
            name="device",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="enrolment_code",
                to="otp_totp.totpdevice",
                verbose_name="thiết bị xác thực đã thiết lập",
            ),
        ),
    ]
