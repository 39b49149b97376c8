"""Two-factor sign-in: who must enrol, what an unverified session reaches, codes and recovery
codes, and the meeting socket of an unverified session."""

from __future__ import annotations

import base64
import datetime as dt
import io
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings

from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import AuditEntry, Meeting, TwoFactorEnrolmentCode, User
from cabinet.trust import two_factor
from tests.factories import PASSWORD, add_item, invite, make_meeting, make_user, secretary_of
from tests.realtime.sockets import communicator, new_session

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def enforced(settings: Settings) -> Settings:
    settings.TWO_FACTOR_ENFORCED = True
    settings.TWO_FACTOR_REQUIRED_FOR = ["organizers", "staff", "chairs"]
    return settings


def code_of(device: TOTPDevice, *, later: int = 0) -> str:
    """The device's current code (or the one `later` steps ahead), from its real key."""
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0 - later * device.step,
        digits=device.digits,
        drift=device.drift,
    )
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_of(device, later=n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def enrolled(user: User, *, with_code: bool = True) -> tuple[TOTPDevice, list[str]]:
    """An authenticator and its recovery codes; set up with an administrator's enrolment code
    (recorded as `confirm_enrolment` records it) unless `with_code` is False."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    if with_code:
        now = timezone.now()
        TwoFactorEnrolmentCode.objects.create(
            user=user,
            code_hash=secrets.token_hex(32),
            issued_at=now,
            expires_at=now + dt.timedelta(hours=1),
            used_at=now,
            device=device,
        )
    return device, two_factor.regenerate_recovery_codes(user)


def sign_in(client: Client, user: User, *, ip: str = "127.0.0.1") -> _MonkeyPatchedWSGIResponse:
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR=ip,
    )
    assert response.status_code == 302, response.content[:500]
    return response


def chair_user() -> User:
    meeting = make_meeting()
    return invite(meeting, "chair").user


def enrolment_code_for(user: User, *reset: str) -> str:
    """The code the operator gets from `manage.py twofactor_enrolment_code USERNAME`."""
    out = io.StringIO()
    call_command("twofactor_enrolment_code", user.username, *reset, stdout=out)
    first = out.getvalue().splitlines()[0]
    assert first.startswith(f"{user.username}: ")
    return first.split(": ", 1)[1]


def give_enrolment_code(
    client: Client, enrolment_code: str, **extra: str
) -> _MonkeyPatchedWSGIResponse:
    return client.post(reverse("two_factor_enrol"), {"enrolment_code": enrolment_code, **extra})


# --- Who must enrol -----------------------------------------------------------------------------


def test_secretaries_chairs_leaders_and_staff_must_have_two_factor_members_need_not(
    enforced: Settings,
) -> None:
    leader = make_user()
    leader.groups.add(Group.objects.create(name=enforced.TWO_FACTOR_LEADERS_GROUP))
    assert two_factor.two_factor_required(make_user(organizer=True))
    assert two_factor.two_factor_required(chair_user())
    assert two_factor.two_factor_required(leader)
    assert two_factor.two_factor_required(make_user(is_staff=True))
    assert two_factor.two_factor_required(make_user(is_superuser=True))
    meeting = make_meeting()
    assert not two_factor.two_factor_required(invite(meeting, "member").user)
    assert not two_factor.two_factor_required(make_user())


def test_the_rule_follows_the_settings(settings: Settings) -> None:
    secretary = make_user(organizer=True)
    settings.TWO_FACTOR_ENFORCED = False
    assert not two_factor.two_factor_required(secretary)
    settings.TWO_FACTOR_ENFORCED = True
    settings.TWO_FACTOR_REQUIRED_FOR = ["staff"]
    assert not two_factor.two_factor_required(secretary)
    settings.TWO_FACTOR_REQUIRED_FOR = ["all"]
    assert two_factor.two_factor_required(make_user())


@pytest.mark.parametrize("who", ["secretary", "chair", "staff"])
def test_a_required_user_without_an_authenticator_is_sent_to_enrolment_and_nowhere_else(
    client: Client, enforced: Settings, who: str
) -> None:
    make: dict[str, Callable[[], User]] = {
        "secretary": lambda: make_user(organizer=True),
        "chair": chair_user,
        "staff": lambda: make_user(is_staff=True),
    }
    user = make[who]()
    sign_in(client, user)
    enrol = reverse("two_factor_enrol")
    for path in ("/", reverse("cabinet:tasks"), reverse("assistant:home"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(enrol), path
    # Writes too: a POST never reaches a view.
    response = client.post(reverse("cabinet:meeting_create"), {"title": "x"})
    assert response.status_code == 302
    assert response["Location"] == enrol
    # htmx requests are told where to go instead of swapping the page in.
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(enrol)
    page = client.get(enrol)
    assert page.status_code == 200
    # First the administrator's enrolment code: no key is made or shown before it.
    body = page.content.decode()
    assert "Tài khoản của đồng chí bắt buộc xác thực hai lớp" in body
    assert 'name="enrolment_code"' in body
    assert "otpauth://" not in body
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert give_enrolment_code(client, enrolment_code_for(user)).status_code == 302
    page = client.get(enrol)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body
    assert "otpauth://totp/" in body
    assert "Tài khoản của đồng chí bắt buộc xác thực hai lớp" in body
    assert "http://" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # the QR code is drawn here, nothing fetched
    assert client.get(reverse("two_factor_verify")).status_code == 302  # nothing to verify yet
    assert client.post(reverse("logout")).status_code == 302


def test_a_member_is_not_asked_to_enrol(client: Client, enforced: Settings) -> None:
    meeting = make_meeting()
    member = invite(meeting, "member").user
    sign_in(client, member)
    assert client.get("/").status_code == 200
    page = client.get(reverse("account_security"))
    assert "Chưa bật." in page.content.decode()


def test_with_enforcement_off_nobody_is_sent_to_enrolment(
    client: Client, settings: Settings
) -> None:
    settings.TWO_FACTOR_ENFORCED = False
    sign_in(client, make_user(organizer=True))
    assert client.get("/").status_code == 200


# --- Enrolment ----------------------------------------------------------------------------------


def test_enrolment_confirms_with_a_right_code_only_and_shows_ten_recovery_codes(
    client: Client, enforced: Settings
) -> None:
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code then the right one, without waiting
    secretary = make_user(organizer=True)
    sign_in(client, secretary)
    give_enrolment_code(client, enrolment_code_for(secretary))
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=secretary)
    assert not device.confirmed
    url = reverse("two_factor_enrol")
    response = client.post(url, {"code": wrong_code(device), "next": "/tasks/"})
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/").status_code == 302  # still owes its enrolment

    response = client.post(url, {"code": code_of(device), "next": "/tasks/"})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = StaticToken.objects.filter(device__user=secretary).values_list("token", flat=True)
    assert len(codes) == 10
    body = response.content.decode()
    assert all(code in body for code in codes)
    assert response["Cache-Control"].count("no-store")
    # This session is verified by the enrolment itself.
    assert client.get("/").status_code == 200
    assert "Đang bật." in client.get(reverse("account_security")).content.decode()


def test_the_enrolment_qr_code_holds_the_devices_key(client: Client, settings: Settings) -> None:
    user = make_user()
    sign_in(client, user)
    body = client.get(reverse("two_factor_enrol")).content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert device.config_url.replace("&", "&amp;") in body


# --- Enrolment codes: no trust on first use -----------------------------------------------------


def test_with_the_leaders_password_alone_an_attacker_cannot_enrol_an_authenticator(
    client: Client, enforced: Settings
) -> None:
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0
    leader = chair_user()
    # An authenticator key made before the enrolment code existed (or shown to anyone): the
    # attacker knows it and can produce its codes.
    planted = TOTPDevice.objects.create(user=leader, name="attacker", confirmed=False)
    response = sign_in(client, leader)
    enrol = reverse("two_factor_enrol")
    assert client.get(response["Location"])["Location"].startswith(enrol)
    page = client.get(enrol)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mã thiết lập" in body
    assert "otpauth://" not in body
    assert planted.config_url.split("secret=")[1].split("&")[0] not in body

    # The authenticator's code without an enrolment code, then with an empty one.
    refused = client.post(enrol, {"code": code_of(planted)})
    assert refused.status_code == 400
    assert "Nhập mã thiết lập do quản trị viên cấp" in refused.content.decode()
    refused = give_enrolment_code(client, "  ", code=code_of(planted, later=1))
    assert refused.status_code == 400
    # Guessed codes: no code issued, then with one issued (to the real leader) but not known.
    for guess in ("ABCD-EFGH-JKMN", "0000-0000-0000"):
        refused = give_enrolment_code(client, guess)
        assert refused.status_code == 400
        assert "Mã thiết lập không đúng" in refused.content.decode()
    enrolment_code_for(leader)
    refused = give_enrolment_code(client, "QRST-UVWX-YZ23", code=code_of(planted))
    assert refused.status_code == 400
    assert "Mã thiết lập không đúng" in refused.content.decode()

    assert not TOTPDevice.objects.filter(user=leader, confirmed=True).exists()
    assert client.get("/").status_code == 302  # still nowhere but enrolment
    refusals = AuditEntry.objects.filter(
        username=leader.username, detail__event="two_factor.enrolment_code_refused"
    )
    assert refusals.count() == 3


def test_wrong_enrolment_codes_make_the_next_attempt_wait(
    client: Client, enforced: Settings
) -> None:
    enforced.OTP_TOTP_THROTTLE_FACTOR = 60
    secretary = make_user(organizer=True)
    code = enrolment_code_for(secretary)
    sign_in(client, secretary)
    assert give_enrolment_code(client, "AAAA-AAAA-AAAA").status_code == 400
    waiting = give_enrolment_code(client, code)  # the right code, but too soon
    assert waiting.status_code == 400
    assert "chờ ít giây" in waiting.content.decode()
    assert "otpauth://" not in client.get(reverse("two_factor_enrol")).content.decode()
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0  # the wait is over
    assert give_enrolment_code(client, code.lower().replace("-", " ")).status_code == 302
    assert "otpauth://totp/" in client.get(reverse("two_factor_enrol")).content.decode()


def test_a_code_issued_before_the_upgrade_still_enrols(client: Client, enforced: Settings) -> None:
    """Found by review: moving the module had changed the salt of the codes' hashes, so a code
    issued (and stored hashed) by the version before was refused after the upgrade."""
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0
    secretary = make_user(organizer=True)
    now = timezone.now()
    TwoFactorEnrolmentCode.objects.create(  # as the earlier version stored it
        user=secretary,
        code_hash=salted_hmac(
            "cabinet.two_factor.enrolment_code", "QRSTUVWXYZ23", algorithm="sha256"
        ).hexdigest(),
        issued_at=now,
        expires_at=now + dt.timedelta(hours=72),
    )
    sign_in(client, secretary)
    assert give_enrolment_code(client, "QRST-UVWX-YZ23").status_code == 302
    assert "otpauth://totp/" in client.get(reverse("two_factor_enrol")).content.decode()


def test_an_expired_enrolment_code_is_refused(client: Client, enforced: Settings) -> None:
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0
    secretary = make_user(organizer=True)
    code = enrolment_code_for(secretary)
    row = TwoFactorEnrolmentCode.objects.get(user=secretary)
    assert row.expires_at - row.issued_at == dt.timedelta(hours=72)
    # 73 hours later.
    TwoFactorEnrolmentCode.objects.filter(pk=row.pk).update(
        issued_at=row.issued_at - dt.timedelta(hours=73),
        expires_at=row.expires_at - dt.timedelta(hours=73),
    )
    sign_in(client, secretary)
    refused = give_enrolment_code(client, code)
    assert refused.status_code == 400
    assert "Mã thiết lập đã hết hạn" in refused.content.decode()
    assert "otpauth://" not in client.get(reverse("two_factor_enrol")).content.decode()


def test_an_enrolment_code_expiring_after_it_was_given_cannot_confirm(
    client: Client, enforced: Settings
) -> None:
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0
    secretary = make_user(organizer=True)
    sign_in(client, secretary)
    assert give_enrolment_code(client, enrolment_code_for(secretary)).status_code == 302
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=secretary)
    TwoFactorEnrolmentCode.objects.filter(user=secretary).update(
        expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    refused = client.post(reverse("two_factor_enrol"), {"code": code_of(device)})
    assert refused.status_code == 400  # back at the enrolment code's form
    body = refused.content.decode()
    assert 'name="enrolment_code"' in body
    assert "không còn dùng được" in body
    assert not TOTPDevice.objects.filter(user=secretary, confirmed=True).exists()


def test_an_enrolment_code_is_used_once_and_a_newer_one_replaces_it(
    client: Client, enforced: Settings
) -> None:
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0
    enforced.OTP_STATIC_THROTTLE_FACTOR = 0
    leader = chair_user()
    replaced = enrolment_code_for(leader)
    code = enrolment_code_for(leader)
    sign_in(client, leader)
    refused = give_enrolment_code(client, replaced)
    assert refused.status_code == 400
    assert "đã được thay bằng mã mới hơn" in refused.content.decode()
    assert give_enrolment_code(client, code).status_code == 302
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=leader)
    assert client.post(reverse("two_factor_enrol"), {"code": code_of(device)}).status_code == 200
    assert TwoFactorEnrolmentCode.objects.get(user=leader, used_at__isnull=False)
    assert AuditEntry.objects.filter(
        username=leader.username, detail__event="two_factor.enrolled"
    ).exists()

    # The phone is lost; the administrator removes it (OTP_TOTP › TOTP devices) but issues no
    # new code: whoever signs in next with the password cannot reuse the old one.
    TOTPDevice.objects.filter(user=leader).delete()
    StaticDevice.objects.filter(user=leader).delete()
    client.post(reverse("logout"))
    sign_in(client, leader)
    refused = give_enrolment_code(client, code)
    assert refused.status_code == 400
    assert "Mã thiết lập đã được dùng" in refused.content.decode()
    assert "otpauth://" not in client.get(reverse("two_factor_enrol")).content.decode()


def test_a_code_given_in_two_sessions_enrols_one_authenticator_only(enforced: Settings) -> None:
    from django.test import Client

    enforced.OTP_TOTP_THROTTLE_FACTOR = 0
    secretary = make_user(organizer=True)
    code = enrolment_code_for(secretary)
    first, second = Client(), Client()
    for client in (first, second):
        sign_in(client, secretary)
        assert give_enrolment_code(client, code).status_code == 302
    # The second session's acceptance made a fresh key: the first session's key is gone.
    page = second.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=secretary)
    assert device.config_url.replace("&", "&amp;") in page.content.decode()
    assert second.post(reverse("two_factor_enrol"), {"code": code_of(device)}).status_code == 200
    # The first session's code is used up now.
    again = first.get(reverse("two_factor_enrol"))
    assert again.status_code == 302  # enrolled meanwhile: its code page is the verify page now
    assert again["Location"].startswith(reverse("two_factor_verify"))


def test_a_member_enrols_of_their_own_accord_without_a_code(
    client: Client, enforced: Settings
) -> None:
    member = invite(make_meeting(), "member").user
    sign_in(client, member)
    body = client.get(reverse("two_factor_enrol")).content.decode()
    assert "otpauth://totp/" in body
    assert 'name="enrolment_code"' not in body


def test_in_the_demo_without_enforcement_a_secretary_needs_no_code(
    client: Client, settings: Settings
) -> None:
    settings.TWO_FACTOR_ENFORCED = False
    secretary = make_user(organizer=True)
    sign_in(client, secretary)
    body = client.get(reverse("two_factor_enrol")).content.decode()
    assert "otpauth://totp/" in body
    assert 'name="enrolment_code"' not in body


@pytest.fixture
def security_admin(enforced: Settings) -> tuple[User, list[str]]:
    """A staff administrator allowed to issue enrolment codes, signed in with their own second
    factor."""
    admin_user = make_user(is_staff=True)
    for codename in ("issue_enrolment_code", "view_user", "change_user"):
        admin_user.user_permissions.add(Permission.objects.get(codename=codename))
    _, codes = enrolled(admin_user)
    return admin_user, codes


def admin_action(client: Client, action: str, *users: User) -> _MonkeyPatchedWSGIResponse:
    return client.post(
        reverse("admin:cabinet_user_changelist"),
        {"action": action, "_selected_action": [u.pk for u in users]},
    )


def test_an_administrator_issues_a_code_shown_once_and_the_leader_enrols_with_it(
    client: Client, security_admin: tuple[User, list[str]]
) -> None:
    admin_user, codes = security_admin
    leader = chair_user()
    sign_in(client, admin_user)
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    page = admin_action(client, "issue_two_factor_enrolment_codes", leader)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    body = page.content.decode()
    code = body.split('<code class="enrolment-code">', 1)[1].split("</code>", 1)[0]
    assert len(code) == 14
    assert leader.username in body
    row = TwoFactorEnrolmentCode.objects.get(user=leader)
    assert row.issued_by == admin_user
    assert code not in row.code_hash
    assert code.replace("-", "") not in row.code_hash
    entry = AuditEntry.objects.get(detail__event="two_factor.enrolment_code_issued")
    assert entry.username == admin_user.username
    assert entry.detail["target_username"] == leader.username
    assert code not in str(entry.detail)
    # The code is nowhere else in the admin.
    listing = client.get(reverse("admin:cabinet_twofactorenrolmentcode_changelist"))
    assert code not in listing.content.decode()

    client.post(reverse("logout"))
    sign_in(client, leader)
    assert give_enrolment_code(client, code).status_code == 302
    device = TOTPDevice.objects.get(user=leader)
    assert client.post(reverse("two_factor_enrol"), {"code": code_of(device)}).status_code == 200
    assert client.get("/").status_code == 200


def test_resetting_a_lost_phone_removes_it_and_issues_a_new_code(
    client: Client, security_admin: tuple[User, list[str]]
) -> None:
    admin_user, codes = security_admin
    leader = chair_user()
    old_device, _ = enrolled(leader)
    sign_in(client, admin_user)
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    page = admin_action(client, "reset_two_factor", leader)
    code = page.content.decode().split('<code class="enrolment-code">', 1)[1].split("</code>")[0]
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()
    assert not StaticDevice.objects.filter(user=leader).exists()
    assert AuditEntry.objects.filter(detail__event="two_factor.reset").exists()
    client.post(reverse("logout"))
    sign_in(client, leader)
    assert client.get("/")["Location"].startswith(reverse("two_factor_enrol"))
    assert give_enrolment_code(client, code).status_code == 302


def test_staff_without_the_permission_cannot_issue_codes(
    client: Client, enforced: Settings
) -> None:
    clerk = make_user(is_staff=True)
    for codename in ("view_user", "change_user"):
        clerk.user_permissions.add(Permission.objects.get(codename=codename))
    _, codes = enrolled(clerk)
    leader = chair_user()
    sign_in(client, clerk)
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    listing = client.get(reverse("admin:cabinet_user_changelist")).content.decode()
    assert "issue_two_factor_enrolment_codes" not in listing
    response = admin_action(client, "issue_two_factor_enrolment_codes", leader)
    assert "enrolment-code" not in response.content.decode()
    assert not TwoFactorEnrolmentCode.objects.filter(user=leader).exists()


# --- Signing in with the second factor ----------------------------------------------------------


def test_an_enrolled_user_enters_a_right_code_before_anything_else(
    client: Client, settings: Settings
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    member = make_user()  # optional for a member: once enrolled, it is asked all the same
    device, _ = enrolled(member)
    sign_in(client, member)
    before = client.session.session_key
    response = client.get(reverse("cabinet:tasks"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_verify") + "?next=%2Ftasks%2F"
    verify = client.get(response["Location"])
    assert verify.status_code == 200
    assert "Xác thực hai lớp" in verify.content.decode()

    wrong = client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
    assert wrong.status_code == 400
    assert "Mã xác thực không đúng" in wrong.content.decode()
    assert client.get("/").status_code == 302

    right = client.post(reverse("two_factor_verify"), {"code": code_of(device), "next": "/tasks/"})
    assert right.status_code == 302
    assert right["Location"] == "/tasks/"
    assert client.session.session_key != before  # a new key once verified
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/tasks/").status_code == 200


def test_a_code_cannot_be_used_twice(client: Client, settings: Settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    member = make_user()
    device, _ = enrolled(member)
    code = code_of(device)
    sign_in(client, member)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, member)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 400


def test_wrong_codes_make_the_next_attempt_wait(client: Client, settings: Settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    member = make_user()
    device, _ = enrolled(member)
    sign_in(client, member)
    client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
    response = client.post(reverse("two_factor_verify"), {"code": code_of(device)})
    assert response.status_code == 400
    assert "chờ ít giây" in response.content.decode()


def test_a_recovery_code_works_once(client: Client, settings: Settings) -> None:
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    member = make_user()
    _, codes = enrolled(member)
    sign_in(client, member)
    response = client.post(reverse("two_factor_verify"), {"code": codes[3].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert two_factor.recovery_codes_left(member) == 9
    client.post(reverse("logout"))
    sign_in(client, member)
    assert client.post(reverse("two_factor_verify"), {"code": codes[3]}).status_code == 400
    assert client.get("/").status_code == 302
    assert client.post(reverse("two_factor_verify"), {"code": codes[4]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client: Client, settings: Settings) -> None:
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    member = make_user()
    _, old = enrolled(member)
    sign_in(client, member)
    client.post(reverse("two_factor_verify"), {"code": old[0]})
    page = client.post(reverse("recovery_codes_regenerate"))
    assert page.status_code == 200
    new = list(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))
    assert len(new) == 10
    assert not set(new) & set(old)
    assert all(code in page.content.decode() for code in new)
    client.post(reverse("logout"))
    sign_in(client, member)
    assert client.post(reverse("two_factor_verify"), {"code": old[1]}).status_code == 400
    assert client.post(reverse("two_factor_verify"), {"code": new[0]}).status_code == 302


def test_a_member_may_switch_two_factor_off_with_a_code_a_secretary_may_not(
    client: Client, enforced: Settings
) -> None:
    enforced.OTP_TOTP_THROTTLE_FACTOR = 0
    member = make_user()
    device, codes = enrolled(member)
    sign_in(client, member)
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    client.post(reverse("two_factor_disable"), {"code": wrong_code(device)})
    assert TOTPDevice.objects.filter(user=member).exists()
    client.post(reverse("two_factor_disable"), {"code": code_of(device)})
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()

    secretary = make_user(organizer=True)
    device, codes = enrolled(secretary)
    client.post(reverse("logout"))
    sign_in(client, secretary)
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    page = client.get(reverse("account_security")).content.decode()
    assert "không thể tắt" in page
    client.post(reverse("two_factor_disable"), {"code": code_of(device)})
    assert TOTPDevice.objects.filter(user=secretary, confirmed=True).exists()


def test_a_redirect_after_the_code_stays_on_this_site(client: Client, settings: Settings) -> None:
    member = make_user()
    _, codes = enrolled(member)
    sign_in(client, member)
    response = client.post(
        reverse("two_factor_verify"), {"code": codes[0], "next": "https://evil.example.com/"}
    )
    assert response["Location"] == "/"


# --- The meeting socket -------------------------------------------------------------------------


@sync_to_async
def meeting_with(enrolled_member: bool) -> tuple[Meeting, User, User, TOTPDevice | None]:
    meeting = make_meeting()
    member = invite(meeting, "member").user
    chair = invite(meeting, "chair").user
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    device = enrolled(member)[0] if enrolled_member else None
    return meeting, member, chair, device


@sync_to_async
def verified_session(user: User, device: TOTPDevice) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    key = new_session(user)
    session = SessionStore(session_key=key)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return key


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_session_that_has_not_given_its_code_gets_no_socket() -> None:
    meeting, member, _, device = await meeting_with(enrolled_member=True)
    socket = await communicator(meeting.pk, member)  # password only
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403
    socket = await communicator(meeting.pk, session_key=await verified_session(member, device))
    connected, _ = await socket.connect()
    assert connected
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_chair_who_must_enrol_gets_no_socket_until_enrolled(
    settings: Settings,
) -> None:
    settings.TWO_FACTOR_ENFORCED = True
    meeting, _, chair, _ = await meeting_with(enrolled_member=False)
    socket = await communicator(meeting.pk, chair)
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403
    settings.TWO_FACTOR_ENFORCED = False
    socket = await communicator(meeting.pk, chair)
    connected, _ = await socket.connect()
    assert connected
    await socket.disconnect()


def test_the_enrolment_code_step_speaks_english_too(client: Client, enforced: Settings) -> None:
    secretary = make_user(organizer=True)
    sign_in(client, secretary)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Enrolment code" in client.get(reverse("two_factor_enrol")).content.decode()
    refused = give_enrolment_code(client, "AAAA-BBBB-CCCC")
    assert "The enrolment code is wrong." in refused.content.decode()


# --- A device set up without an enrolment code is not trusted once the account must use 2FA -----


def key_code(secret: str, *, later: int = 0) -> str:
    """The authenticator's code now (or `later` steps ahead), from the key shown on the page."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=-later * 30, digits=6):06d}"


def enrol_without_code(client: Client) -> tuple[str, list[str]]:
    """Set up an authenticator as the page offers it to someone who need not use two-factor
    sign-in: no enrolment code. Returns the key read off the page and the recovery codes shown."""
    page = client.get(reverse("two_factor_enrol")).content.decode()
    assert "otpauth://totp/" in page
    assert 'name="enrolment_code"' not in page
    secret = page.split('id="twofa-secret" class="twofa-secret">', 1)[1].split("<", 1)[0]
    shown = client.post(reverse("two_factor_enrol"), {"code": key_code(secret)})
    assert shown.status_code == 200
    body = shown.content.decode().split('id="recovery-codes">', 1)[1].split("</ul>", 1)[0]
    codes = [c.split("</code>", 1)[0] for c in body.split("<code>")[1:]]
    assert len(codes) == 10
    return secret, codes


def make_it_required(how: str, user: User, settings: Settings) -> None:
    if how == "leaders_group":
        group, _ = Group.objects.get_or_create(name=settings.TWO_FACTOR_LEADERS_GROUP)
        user.groups.add(group)
    elif how == "chair":
        meeting = make_meeting()
        meeting_services.invite_participant(
            actor=secretary_of(meeting), meeting=meeting, user=user, role="chair", can_vote=True
        )
    else:  # enforcement switched on after the demo or a trial period
        settings.TWO_FACTOR_ENFORCED = True
    assert two_factor.two_factor_required(user)


@pytest.mark.parametrize("how", ["leaders_group", "chair", "enforcement_on"])
def test_a_device_enrolled_without_a_code_does_not_open_the_session_once_2fa_is_required(
    client: Client, settings: Settings, how: str
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.TWO_FACTOR_REQUIRED_FOR = ["organizers", "staff", "chairs"]
    if how == "enforcement_on":
        settings.TWO_FACTOR_ENFORCED = False
        user = make_user(organizer=True)  # a secretary, in a deployment not yet enforcing
    else:
        settings.TWO_FACTOR_ENFORCED = True
        user = invite(make_meeting(), "member").user  # a plain member for now
    # Someone with the password alone sets up their own phone: nobody asks for a code.
    sign_in(client, user)
    secret, recovery = enrol_without_code(client)
    client.post(reverse("logout"))
    sign_in(client, user)
    assert client.post(reverse("two_factor_verify"), {"code": recovery[0]}).status_code == 302
    assert client.get("/").status_code == 200  # trusted while the account need not use it
    client.post(reverse("logout"))

    make_it_required(how, user, settings)

    # The next sign-in with that device alone opens nothing: the code step comes first.
    sign_in(client, user)
    enrol = reverse("two_factor_enrol")
    for path in ("/", reverse("cabinet:tasks"), reverse("two_factor_verify")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(enrol), path
    for code in (key_code(secret, later=1), recovery[1]):
        client.post(reverse("two_factor_verify"), {"code": code})
        assert client.get("/")["Location"].startswith(enrol)
    refused = client.post(enrol, {"code": key_code(secret, later=1)})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'name="enrolment_code"' in body
    assert "otpauth://" not in body
    assert "không còn được tin cậy" in body
    assert DEVICE_ID_SESSION_KEY not in client.session
    client.post(reverse("logout"))

    # With the code an administrator issued (reset: removed at once; issued alone: replaced
    # when the new one is confirmed), the official sets it up again and gets in.
    code = enrolment_code_for(user, *(["--reset"] if how == "enforcement_on" else []))
    sign_in(client, user)
    assert give_enrolment_code(client, code).status_code == 302
    page = client.get(enrol).content.decode()
    new_secret = page.split('id="twofa-secret" class="twofa-secret">', 1)[1].split("<", 1)[0]
    assert new_secret != secret
    assert client.post(enrol, {"code": key_code(new_secret)}).status_code == 200
    assert client.get("/").status_code == 200
    assert TOTPDevice.objects.filter(user=user).count() == 1
    client.post(reverse("logout"))

    # From now on that device is asked for, and trusted; the old key and codes are not.
    sign_in(client, user)
    assert client.get("/")["Location"].startswith(reverse("two_factor_verify"))
    for old in (key_code(secret, later=1), recovery[2]):
        assert client.post(reverse("two_factor_verify"), {"code": old}).status_code == 400
    right = key_code(new_secret, later=1)
    assert client.post(reverse("two_factor_verify"), {"code": right}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_session_verified_before_the_account_became_a_leader_is_stopped(
    client: Client, settings: Settings
) -> None:
    settings.TWO_FACTOR_ENFORCED = True
    settings.TWO_FACTOR_REQUIRED_FOR = ["organizers", "staff", "chairs"]
    member = invite(make_meeting(), "member").user
    sign_in(client, member)
    enrol_without_code(client)  # this session is verified by that enrolment
    assert client.get("/").status_code == 200
    make_it_required("leaders_group", member, settings)
    response = client.get(reverse("cabinet:tasks"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_enrol"))
    assert "không còn được tin cậy" in client.get(reverse("two_factor_enrol")).content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_chairs_device_enrolled_without_a_code_gets_no_socket(
    settings: Settings,
) -> None:
    settings.TWO_FACTOR_ENFORCED = True
    settings.TWO_FACTOR_REQUIRED_FOR = ["organizers", "staff", "chairs"]
    meeting, _, chair, _ = await meeting_with(enrolled_member=False)
    device, _ = await sync_to_async(enrolled)(chair, with_code=False)
    socket = await communicator(meeting.pk, session_key=await verified_session(chair, device))
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403
    # In the demo (no enforcement) the same session is let in.
    settings.TWO_FACTOR_ENFORCED = False
    socket = await communicator(meeting.pk, session_key=await verified_session(chair, device))
    connected, _ = await socket.connect()
    assert connected
    await socket.disconnect()


def test_the_step_to_enrol_again_speaks_english_too(client: Client, settings: Settings) -> None:
    settings.TWO_FACTOR_ENFORCED = True
    settings.TWO_FACTOR_REQUIRED_FOR = ["organizers", "staff", "chairs"]
    secretary = make_user(organizer=True)
    enrolled(secretary, with_code=False)
    sign_in(client, secretary)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("two_factor_enrol")).content.decode()
    assert "is no longer trusted" in body


def test_the_administrator_finds_who_must_set_up_again_and_issues_their_codes(
    client: Client, security_admin: tuple[User, list[str]]
) -> None:
    admin_user, codes = security_admin
    unvouched = chair_user()  # e.g. enrolled before the check existed
    enrolled(unvouched, with_code=False)
    vouched = chair_user()
    enrolled(vouched)
    nothing = chair_user()
    sign_in(client, admin_user)
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    listing = reverse("admin:cabinet_user_changelist")
    found = {}
    for value in ("without_code", "with_code", "none"):
        page = client.get(listing, {"two_factor": value})
        assert page.status_code == 200
        body = page.content.decode()
        found[value] = {
            u.username for u in (unvouched, vouched, nothing) if f">{u.username}</a>" in body
        }
    assert found == {
        "without_code": {unvouched.username},
        "with_code": {vouched.username},
        "none": {nothing.username},
    }
    assert "Thiết lập không có mã" in client.get(listing).content.decode()
    page = admin_action(client, "issue_two_factor_enrolment_codes", unvouched)
    code = page.content.decode().split('<code class="enrolment-code">', 1)[1].split("</code>")[0]
    client.post(reverse("logout"))
    sign_in(client, unvouched)
    assert give_enrolment_code(client, code).status_code == 302
    device = TOTPDevice.objects.get(user=unvouched, confirmed=False)
    assert client.post(reverse("two_factor_enrol"), {"code": code_of(device)}).status_code == 200
    assert client.get("/").status_code == 200
    assert two_factor.enrolment_vouched(unvouched)
