"""Error pages speak Vietnamese (Django's own are English), and the 500 page renders without a
request, as Django renders it."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_explained_in_vietnamese() -> None:
    client = Client()
    client.force_login(make_user())
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Không tìm thấy trang" in page
    assert 'lang="vi"' in page


def test_the_server_error_page_needs_no_request() -> None:
    page = render_to_string("500.html")
    assert "Lỗi hệ thống" in page
    assert "Về trang chủ" in page
