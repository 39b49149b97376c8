"""Two-factor sign-in: who must have an authenticator, what a session may do before its second
factor, and the middleware that holds it to that.

The password step is Django's login; the session it opens is *signed in but not verified* until
the official enters a code from the authenticator app (a django-otp TOTP device) or one of the
ten single-use recovery codes (a django-otp static device). Until then the middleware lets the
session reach only the second-factor pages, logout, the language switch and static files, and the
meeting socket refuses it (realtime/consumers.py asks `second_factor_state` too).

Who must enrol is one rule, `two_factor_required`: the roles in settings.TWO_FACTOR_REQUIRED_FOR,
and only while settings.TWO_FACTOR_ENFORCED is on. Anyone else may enrol of their own accord; once
enrolled, the code is asked at every sign-in whatever the setting.

Those who must enrol do so only with a one-time enrolment code issued by an administrator (holder
of cabinet.issue_enrolment_code): otherwise whoever first signed in with a leader's password
would enrol their own authenticator. The code is asked before the authenticator's key is shown,
is used up by the confirmation, expires after settings.TWO_FACTOR_ENROLMENT_HOURS, and wrong codes
make the next attempt wait. A voluntary enrolment (a member) needs none: it protects the member's
own account, and capturing it gives someone holding the password nothing the password does not;
the lockout it would cause is visible and undone by an administrator's reset.

Such an authenticator, set up without a code, is trusted only while the account need not use
two-factor sign-in: the password alone may have set it up (before the account joined the
leaders' group or was first invited as chair, or while enforcement was off). Once the account
must, its sessions owe a new enrolment, with an administrator's code, as if it had none
(`enrolment_vouched`); its recovery codes, made by that same enrolment, go with it. Which device
a code set up is recorded on the code (TwoFactorEnrolmentCode.device).
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import verify_token as otp_verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.models import Participant, ParticipantRole, TwoFactorEnrolmentCode, User
from cabinet.trust.security_events import record_security_event

RECOVERY_CODE_COUNT = 10
ROLE_NAMES = frozenset({"organizers", "chairs", "staff", "all"})


class State(enum.Enum):
    OK = "ok"  # verified, or no second factor needed
    VERIFY = "verify"  # enrolled: the code is still to be entered in this session
    ENROL = "enrol"  # must have an authenticator and has none vouched for by an enrolment code


def _roles() -> set[str]:
    roles = {str(r).strip().lower() for r in settings.TWO_FACTOR_REQUIRED_FOR if str(r).strip()}
    unknown = roles - ROLE_NAMES
    if unknown:
        raise ValueError(f"TWO_FACTOR_REQUIRED_FOR: unknown role(s) {sorted(unknown)}")
    return roles


def two_factor_required(user: Any) -> bool:
    """Whether this user must sign in with a second factor (and so enrol first, and may not
    switch it off). False for everyone while settings.TWO_FACTOR_ENFORCED is off."""
    if not settings.TWO_FACTOR_ENFORCED or not getattr(user, "is_authenticated", False):
        return False
    roles = _roles()
    if "all" in roles:
        return True
    if "staff" in roles and (user.is_staff or user.is_superuser):
        return True
    if "organizers" in roles and user.has_perm("cabinet.organize_meetings"):
        return True
    if "chairs" in roles:
        if user.groups.filter(name=settings.TWO_FACTOR_LEADERS_GROUP).exists():
            return True
        if Participant.objects.filter(user=user, role=ParticipantRole.CHAIR).exists():
            return True
    return False


def authenticator_for(user: Any, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def recovery_device_for(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_two_factor(user: Any) -> bool:
    return authenticator_for(user) is not None


def vouched_authenticators() -> QuerySet[TOTPDevice]:
    """Confirmed authenticators set up with an enrolment code issued for their own user."""
    vouched: QuerySet[TOTPDevice] = TOTPDevice.objects.filter(  # django-otp is untyped
        confirmed=True, enrolment_code__user_id=F("user_id")
    )
    return vouched


def enrolment_vouched(user: Any) -> bool:
    """Whether the user's authenticator was set up with an administrator's enrolment code."""
    return vouched_authenticators().filter(user_id=user.pk).exists()


def reenrolment_required(user: Any) -> bool:
    """Whether the user has an authenticator that can no longer be trusted: set up without an
    enrolment code, and the account must now use two-factor sign-in."""
    return has_two_factor(user) and not enrolment_vouched(user) and two_factor_required(user)


def _trusted_once_verified(user: Any) -> bool:
    # Vouched first: one query for most enrolled users, the role queries only for the others.
    return enrolment_vouched(user) or not two_factor_required(user)


def _verified_device(user: Any, session: Any) -> Device | None:
    """The confirmed device of this user that verified this session, if any."""
    if session is None:
        return None
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return device


def second_factor_state(user: Any, session: Any) -> State:
    """What a signed-in session still owes. Used by the middleware and by the meeting socket, so
    the two can never disagree."""
    if not getattr(user, "is_authenticated", False):
        return State.OK  # the login requirement is the views' and the consumer's business
    if _verified_device(user, session) is not None:
        # Verified, but perhaps with a device set up before the account had to use it (a session
        # opened as a member, then the account became a chair): that device proves nothing.
        return State.OK if _trusted_once_verified(user) else State.ENROL
    if has_two_factor(user):
        return State.ENROL if reenrolment_required(user) else State.VERIFY
    if two_factor_required(user):
        return State.ENROL
    return State.OK


# --- Enrolment codes ----------------------------------------------------------------------------

# No 0/O, 1/I/L: read aloud over the telephone or copied from paper without doubt. 12 characters
# of 32 are 60 bits: out of reach of guessing, even before the throttle.
ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 12


class CodeCheck(enum.Enum):
    ACCEPTED = "accepted"
    MISSING = "missing"  # nothing typed: not counted as a wrong code
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"  # a newer code was issued
    THROTTLED = "throttled"  # earlier wrong codes: wait before the next attempt


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, to the administrator; only its hash is kept
    expires_at: dt.datetime


def enrolment_code_required(user: Any) -> bool:
    """Whether setting up an authenticator needs an administrator's enrolment code: exactly for
    those who must use two-factor sign-in, whether they have one already or not (see the
    module's docstring for the others)."""
    return two_factor_required(user)


def normalize_enrolment_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).upper()


def _code_hash(code: str) -> str:
    # Keyed with SECRET_KEY: a copy of the table alone does not allow testing guesses offline.
    # The salt is a stored constant, not a module path: the hashes of issued codes depend on it.
    return salted_hmac(
        "cabinet.two_factor.enrolment_code",
        normalize_enrolment_code(code),
        algorithm="sha256",
    ).hexdigest()


@transaction.atomic
def issue_enrolment_code(*, actor: User | None, user: User, reason: str = "issued") -> IssuedCode:
    """A new one-time enrolment code for `user`, replacing any earlier one not yet used.

    Precondition: the actor holds cabinet.issue_enrolment_code (checked by the admin; None is
    the operator at the server's command line)."""
    now = timezone.now()
    TwoFactorEnrolmentCode.objects.filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw = "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))
    code = "-".join(raw[i : i + 4] for i in range(0, ENROLMENT_CODE_LENGTH, 4))
    expires_at = now + dt.timedelta(hours=settings.TWO_FACTOR_ENROLMENT_HOURS)
    row = TwoFactorEnrolmentCode.objects.create(
        user=user,
        code_hash=_code_hash(code),
        issued_by=actor,
        issued_at=now,
        expires_at=expires_at,
    )
    record_security_event(
        action="two_factor.enrolment_code_issued",
        actor=actor,
        target=user,
        detail={"code_id": row.pk, "expires_at": expires_at.isoformat(), "reason": reason},
    )
    return IssuedCode(code=code, expires_at=expires_at)


@transaction.atomic
def reset_two_factor(*, actor: User | None, user: User) -> IssuedCode:
    """A lost or replaced phone: the user's authenticator and recovery codes are removed, and a
    new enrolment code is issued for the new one (the old code, being used, cannot serve)."""
    disable_two_factor(user)
    record_security_event(action="two_factor.reset", actor=actor, target=user)
    return issue_enrolment_code(actor=actor, user=user, reason="reset")


def _throttle_wait(row: TwoFactorEnrolmentCode, now: dt.datetime) -> float:
    """Seconds still to wait after the wrong codes counted on this row (1, 2, 4 ... times the
    authenticator's own factor, OTP_TOTP_THROTTLE_FACTOR)."""
    if not row.failures or row.last_failure_at is None:
        return 0.0
    delay = float(settings.OTP_TOTP_THROTTLE_FACTOR) * 2.0 ** (row.failures - 1)
    return delay - (now - row.last_failure_at).total_seconds()


def check_enrolment_code(*, user: User, code: str) -> tuple[CodeCheck, int | None]:
    """Whether `code` is the user's live enrolment code; with the code's id when it is. Checking
    does not use it up (the confirmation of the authenticator does: `confirm_enrolment`). Every
    refusal but an empty field counts against the throttle and is written to the audit log."""
    normalized = normalize_enrolment_code(code)
    if not normalized:
        return CodeCheck.MISSING, None
    now = timezone.now()
    with transaction.atomic():
        newest = (
            TwoFactorEnrolmentCode.objects.select_for_update().filter(user=user).first()
        )  # ordered newest first
        if newest is not None and _throttle_wait(newest, now) > 0:
            return CodeCheck.THROTTLED, None
        row = TwoFactorEnrolmentCode.objects.filter(user=user, code_hash=_code_hash(code)).first()
        if row is None:
            result = CodeCheck.WRONG
        elif row.used_at is not None:
            result = CodeCheck.USED
        elif row.revoked_at is not None:
            result = CodeCheck.REVOKED
        elif row.expires_at <= now:
            result = CodeCheck.EXPIRED
        else:
            return CodeCheck.ACCEPTED, row.pk
        if newest is not None:
            newest.failures += 1
            newest.last_failure_at = now
            newest.save(update_fields=["failures", "last_failure_at"])
        record_security_event(
            action="two_factor.enrolment_code_refused",
            actor=user,
            target=user,
            detail={"reason": result.value},
        )
    return result, None


def live_enrolment_code(user: Any, code_id: Any) -> TwoFactorEnrolmentCode | None:
    """The accepted code this session holds, while it is still usable."""
    if not isinstance(code_id, int):
        return None
    return TwoFactorEnrolmentCode.objects.filter(
        pk=code_id,
        user_id=user.pk,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


# --- Devices ------------------------------------------------------------------------------------


def start_enrolment(user: User, *, fresh_key: bool = False) -> TOTPDevice:
    """The user's unconfirmed authenticator, created with a fresh key if there is none (or if
    `fresh_key`: once an enrolment code is accepted, so that a key shown to anyone before it can
    never be confirmed). Its key is shown (QR code and text) until a code from it confirms it."""
    if fresh_key:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = authenticator_for(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(
    user: User,
    device: TOTPDevice,
    token: str,
    *,
    enrolment_code: TwoFactorEnrolmentCode | None = None,
) -> list[str] | None:
    """Confirm the authenticator with a code it produced; returns the new recovery codes, or
    None when the code is wrong, or when the enrolment code the user must have is missing or no
    longer usable (it is used up here, once, and records that it vouches for this device). Any
    earlier authenticator and recovery codes are replaced."""
    if device.user_id != user.pk or not device.verify_token(normalize_token(token)):
        return None
    if enrolment_code_required(user):
        if enrolment_code is None or enrolment_code.user_id != user.pk:
            return None
        used = TwoFactorEnrolmentCode.objects.filter(
            pk=enrolment_code.pk,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).update(used_at=timezone.now(), device=device)
        if not used:  # used meanwhile in another session, revoked or expired
            return None
    _, deleted = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    replaced = deleted.get(TOTPDevice._meta.label, 0)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_security_event(
        action="two_factor.enrolled",
        actor=user,
        target=user,
        detail={
            "enrolment_code_id": enrolment_code.pk if enrolment_code else None,
            "replaced_devices": replaced,
        },
    )
    return regenerate_recovery_codes(user)


@transaction.atomic
def regenerate_recovery_codes(user: User) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working. Shown once: only the codes'
    rows are kept, and they are consumed when used."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Mã khôi phục", confirmed=True)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        code = StaticToken.random_token()
        StaticToken.objects.create(device=device, token=code)
        codes.append(code)
    return codes


@transaction.atomic
def disable_two_factor(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def normalize_token(token: str) -> str:
    return "".join(ch for ch in token if ch.isalnum()).lower()


def _device_for_token(user: Any, token: str) -> Device | None:
    """Six digits are for the authenticator; anything else can only be a recovery code."""
    if token.isdigit() and len(token) == 6:
        return authenticator_for(user)
    return recovery_device_for(user)


def verify_second_factor(user: User, token: str) -> Device | None:
    """The device that accepts the code: the authenticator for six digits, else a recovery code
    (consumed). Each device counts its own failures and makes the next attempt wait longer."""
    token = normalize_token(token)
    device = _device_for_token(user, token) if token else None
    if device is None:
        return None
    return otp_verify_token(user, device.persistent_id, token)


def throttled(user: User, token: str) -> bool:
    """Whether the device this code is for is waiting out earlier wrong codes."""
    device = _device_for_token(user, normalize_token(token))
    return device is not None and not device.verify_is_allowed()[0]


def recovery_codes_left(user: User) -> int:
    device = recovery_device_for(user)
    return device.token_set.count() if device else 0


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG, made here: the key never leaves the server."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # no XML declaration inside HTML


# --- Middleware ---------------------------------------------------------------------------------


def _allowed_paths(state: State) -> tuple[str, ...]:
    common = (
        reverse("login"),
        reverse("logout"),
        reverse("set_language"),
        "/" + settings.STATIC_URL.lstrip("/"),
        reverse("service_worker"),
    )
    page = reverse("two_factor_verify" if state is State.VERIFY else "two_factor_enrol")
    return (*common, page)


class TwoFactorMiddleware:
    """Sends a session that owes its second factor to the code page (enrolled users) or to
    enrolment (users who must have one), whatever it asked for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", AnonymousUser())
        # OTPMiddleware has already checked the session's device for this user: reuse it.
        if getattr(user, "otp_device", None) is not None:
            state = State.OK if _trusted_once_verified(user) else State.ENROL
        else:
            state = second_factor_state(user, getattr(request, "session", None))
        request.two_factor_state = state  # type: ignore[attr-defined]
        if state is State.OK:
            return self.get_response(request)
        if request.path.startswith(_allowed_paths(state)):
            return self.get_response(request)
        target = reverse("two_factor_verify" if state is State.VERIFY else "two_factor_enrol")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response: HttpResponseBase = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
