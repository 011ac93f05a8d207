from base64 import b32decode

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from demo.users import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = (
        "显示演示账号(领导、管理员、审计员)当前的动态口令,以及可扫描的二维码。"
        " Prints the current one-time code of the published demo TOTP secret (demo users"
        " only: it knows no other user's secret)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--qr", action="store_true", help="also print the secret as a QR code to scan"
        )

    def handle(self, *args, qr, **options):
        totp = TOTP(b32decode(DEMO_TOTP_SECRET))
        left = totp.step - int(totp.time - totp.t0) % totp.step
        self.stdout.write(f"{totp.token():06d}  (还剩 {left} 秒 valid for {left}s more)")
        if qr:
            import io

            import segno

            buf = io.StringIO()
            segno.make(
                f"otpauth://totp/GridGov:demo?secret={DEMO_TOTP_SECRET}&issuer=GridGov"
            ).terminal(out=buf, compact=True)
            self.stdout.write(buf.getvalue())
