"""Directives for tests, built through the real services (upload checks, sandbox, chunking, the
real embedding model)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from assistant.library import services as library
from assistant.models import Directive
from assistant.search.index import forget_index
from cabinet.models import User
from tests.factories import make_user


def make_librarian(**fields: Any) -> User:
    user = make_user(**fields)
    user.user_permissions.add(Permission.objects.get(codename="manage_library"))
    return User.objects.get(pk=user.pk)  # drop the cached permissions


def add_directive(
    content: str | bytes,
    *,
    name: str = "van-ban.txt",
    actor: User | None = None,
    access: library.Access | None = None,
    **fields: Any,
) -> Directive:
    """Upload ``content`` and process it at once, as the worker would."""
    data = content.encode() if isinstance(content, str) else content
    directive = library.add_directive(
        upload=SimpleUploadedFile(name, data),
        actor=actor or make_librarian(),
        access=access or library.Access(),
        fields=fields,
        queue=False,
    )
    library.process_directive(directive.pk)
    forget_index()
    directive.refresh_from_db()
    return directive


# A city decision on working rules and a chỉ thị on meetings, as plain text uploads.
QUY_CHE = """ỦY BAN NHÂN DÂN
THÀNH PHỐ HÀ NỘI
Số: 12/2026/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 15 tháng 01 năm 2026
QUYẾT ĐỊNH
Ban hành Quy chế làm việc của Ủy ban nhân dân Thành phố
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định nguyên tắc, chế độ trách nhiệm, lề lối làm việc của Ủy ban nhân dân
Thành phố.
Điều 2. Thông báo kết luận cuộc họp
1. Văn phòng Ủy ban nhân dân Thành phố dự thảo thông báo kết luận của người chủ trì cuộc họp.
2. Thông báo kết luận cuộc họp được ban hành chậm nhất 05 ngày làm việc kể từ ngày kết thúc
cuộc họp.
3. Các cơ quan, đơn vị được giao nhiệm vụ báo cáo kết quả thực hiện trước ngày 25 hằng tháng.
Điều 3. Họp không giấy
1. Tài liệu họp được gửi qua hệ thống phòng họp không giấy ít nhất 03 ngày làm việc trước
cuộc họp.
2. Đại biểu sử dụng máy tính bảng để đọc tài liệu, đăng ký phát biểu và biểu quyết.
"""

CHI_THI_15 = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
Số: 15/CT-UBND
CHỈ THỊ
Về việc nâng cao chất lượng tổ chức cuộc họp của Ủy ban nhân dân Thành phố

Điều 1. Thông báo kết luận cuộc họp
Văn phòng Ủy ban nhân dân Thành phố ban hành thông báo kết luận cuộc họp \
trong thời hạn 03 ngày làm việc kể từ ngày kết thúc cuộc họp.

Điều 2. Tài liệu cuộc họp
Tài liệu cuộc họp được gửi đến đại biểu chậm nhất 05 ngày làm việc trước ngày họp.

Điều 3. Lưu trữ hồ sơ
Hồ sơ cuộc họp được lưu trữ điện tử trong thời hạn 10 năm.
"""
