"""Sessions end when idle, too old or revoked; signing out everywhere, wiping devices and
deactivating end them all; an ended session's device is told to delete its offline copies."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from cabinet.models import AuditEntry, User
from cabinet.trust import sessions
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

HOME = "/"


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def shift_session(client: Client, **seconds_ago: float) -> None:
    """Move the session's clocks into the past: started=..., seen=... seconds ago."""
    session = client.session
    now = time.time()
    if "started" in seconds_ago:
        session[sessions.STARTED_KEY] = now - seconds_ago["started"]
    if "seen" in seconds_ago:
        session[sessions.SEEN_KEY] = now - seconds_ago["seen"]
    session.save()


def assert_sent_to_login_with_purge(client: Client) -> None:
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert response[sessions.PURGE_HEADER] == "1"
    login = client.get(response["Location"])
    assert login.status_code == 200
    assert login[sessions.PURGE_HEADER] == "1"
    assert login["Clear-Site-Data"] == '"cache", "storage"'
    assert b'data-offline-purge="1"' in login.content
    # The order is given once: the next page is ordinary.
    again = client.get(reverse("login"))
    assert sessions.PURGE_HEADER not in again


def test_signing_in_gives_a_new_session_id() -> None:
    user = make_user()
    client = Client()
    client.get(reverse("login"))
    before = client.session
    before["visited"] = True  # an anonymous session with a key, as a planted cookie would have
    before.save()
    planted = before.session_key
    assert planted is not None
    client.cookies["sessionid"] = planted
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != planted
    assert not Session.objects.filter(session_key=planted).exists()
    assert sessions.STARTED_KEY in client.session


def test_an_ended_session_that_opens_the_login_page_gets_the_purge_order_there() -> None:
    client = signed_in(make_user())
    shift_session(client, seen=31 * 60)
    login = client.get(reverse("login"))
    assert login.status_code == 200
    assert login[sessions.PURGE_HEADER] == "1"
    assert b'data-offline-purge="1"' in login.content
    assert "không sử dụng" in login.content.decode()


def test_an_active_session_goes_on_and_is_touched_at_most_once_a_minute() -> None:
    client = signed_in(make_user())
    shift_session(client, seen=29 * 60)
    assert client.get(HOME).status_code == 200
    seen = client.session[sessions.SEEN_KEY]
    assert time.time() - seen < 5
    assert client.get(HOME).status_code == 200
    assert client.session[sessions.SEEN_KEY] == seen


def test_an_idle_session_ends_with_a_message_and_a_purge_order(settings: Settings) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    client = signed_in(make_user())
    shift_session(client, seen=31 * 60)
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "không sử dụng trong 30 phút" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated

    client = signed_in(make_user())
    shift_session(client, seen=31 * 60)
    assert_sent_to_login_with_purge(client)


def test_a_session_ends_after_its_absolute_lifetime_however_busy(settings: Settings) -> None:
    settings.SESSION_MAX_HOURS = 12
    client = signed_in(make_user())
    shift_session(client, started=12 * 3600 - 60, seen=0)
    assert client.get(HOME).status_code == 200
    shift_session(client, started=12 * 3600 + 1, seen=0)
    response = client.get(HOME, follow=True)
    assert "quá 12 giờ" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def security_events(name: str) -> QuerySet[AuditEntry]:
    """The audit log's entries for a named security event."""
    return AuditEntry.objects.filter(action="security", detail__event=name)


def test_signing_out_everywhere_ends_every_session_of_the_user_only() -> None:
    user, other = make_user(), make_user()
    tablet, laptop, colleague = signed_in(user), signed_in(user), signed_in(other)
    assert reverse("sign_out_everywhere") in laptop.get(HOME).content.decode()
    response = laptop.post(reverse("sign_out_everywhere"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Đã đăng xuất khỏi mọi thiết bị." in response.content.decode()
    assert_sent_to_login_with_purge(tablet)
    assert laptop.get(HOME).status_code == 302
    assert colleague.get(HOME).status_code == 200
    assert security_events("sessions.signed_out_everywhere").get().actor_id == user.pk
    # Signing in again afterwards works: the new session is after the revocation.
    assert signed_in(user).get(HOME).status_code == 200


def administrator(*, allowed: bool = True) -> User:
    admin = make_user(is_staff=True)
    if allowed:
        admin.user_permissions.add(
            Permission.objects.get(codename="manage_devices"),
            Permission.objects.get(codename="change_user"),
            Permission.objects.get(codename="view_user"),
        )
    else:
        admin.user_permissions.add(
            Permission.objects.get(codename="change_user"),
            Permission.objects.get(codename="view_user"),
        )
    return User.objects.get(pk=admin.pk)


def run_action(admin: User, action: str, target: User) -> Client:
    client = signed_in(admin)
    client.post(
        reverse("admin:cabinet_user_changelist"),
        {"action": action, "_selected_action": [target.pk]},
        REMOTE_ADDR="10.0.0.7",
    )
    return client


def test_an_administrator_wipes_a_users_devices() -> None:
    target = make_user()
    tablet = signed_in(target)
    run_action(administrator(), "wipe_devices", target)
    target.refresh_from_db()
    assert target.is_active
    assert target.sessions_valid_after is not None
    assert_sent_to_login_with_purge(tablet)
    entry = security_events("devices.wiped").get()
    assert entry.ip == "10.0.0.7"
    assert entry.detail["target_username"] == target.username


def test_an_administrator_deactivates_a_user() -> None:
    target = make_user()
    tablet = signed_in(target)
    run_action(administrator(), "deactivate_users", target)
    target.refresh_from_db()
    assert not target.is_active
    assert_sent_to_login_with_purge(tablet)
    assert security_events("user.deactivated").count() == 1
    assert not Client().login(username=target.username, password=PASSWORD)


def test_staff_without_the_permission_cannot_wipe_or_deactivate() -> None:
    target = make_user()
    tablet = signed_in(target)
    client = signed_in(administrator(allowed=False))
    changelist = client.get(reverse("admin:cabinet_user_changelist"))
    assert b"wipe_devices" not in changelist.content
    for action in ("wipe_devices", "deactivate_users"):
        client.post(
            reverse("admin:cabinet_user_changelist"),
            {"action": action, "_selected_action": [target.pk]},
        )
    target.refresh_from_db()
    assert target.is_active
    assert target.sessions_valid_after is None
    assert tablet.get(HOME).status_code == 200


def test_a_deactivation_in_the_user_form_also_ends_the_session_with_a_purge_order() -> None:
    target = make_user()
    tablet = signed_in(target)
    User.objects.filter(pk=target.pk).update(is_active=False)
    assert_sent_to_login_with_purge(tablet)


def test_the_offline_manifest_says_how_long_copies_may_be_read(
    settings: Settings, client: Client
) -> None:
    from tests.factories import Room

    settings.OFFLINE_MAX_SECONDS = 8 * 3600
    room = Room()
    client.force_login(room.member.user)
    data = client.post(reverse("cabinet:offline_manifest", args=[room.meeting.pk])).json()
    assert data["max_age"] == 8 * 3600
