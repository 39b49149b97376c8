"""Demo data: units, people, two meetings and their papers (pure data, no imports).

Paper bodies live in ``papers/<slug>.txt`` next to this module (UTF-8, NFC). Body format: a line
starting with "# " is a centred bold heading, "## " a bold section heading, "- " a bullet; any other
non-empty line is a justified paragraph; blank lines separate blocks. The national header block is
not part of the body: the renderer builds it from "issuer" and "number".
"""

from __future__ import annotations

from typing import Any

# The demo's group of meeting secretaries (seed_demo gives it the secretariat's permissions;
# seed_library adds the library's).
SECRETARIAT_GROUP = "Văn phòng UBND – thư ký cuộc họp"

UNITS: list[dict[str, Any]] = [
    {
        "code": "UBND",
        "name": "Ủy ban nhân dân Thành phố",
        "short_name": "UBND TP",
        "kind": "committee",
    },
    {
        "code": "VP",
        "name": "Văn phòng UBND Thành phố",
        "short_name": "VP UBND",
        "kind": "office",
    },
    {"code": "STC", "name": "Sở Tài chính", "short_name": "STC", "kind": "department"},
    {"code": "SNV", "name": "Sở Nội vụ", "short_name": "SNV", "kind": "department"},
    {
        "code": "SKHCN",
        "name": "Sở Khoa học và Công nghệ",
        "short_name": "SKHCN",
        "kind": "department",
    },
    {"code": "SXD", "name": "Sở Xây dựng", "short_name": "SXD", "kind": "department"},
    {"code": "SYT", "name": "Sở Y tế", "short_name": "SYT", "kind": "department"},
    {
        "code": "SGDDT",
        "name": "Sở Giáo dục và Đào tạo",
        "short_name": "SGDĐT",
        "kind": "department",
    },
    {
        "code": "SNNMT",
        "name": "Sở Nông nghiệp và Môi trường",
        "short_name": "SNNMT",
        "kind": "department",
    },
    {"code": "TTTP", "name": "Thanh tra Thành phố", "short_name": "TTTP", "kind": "department"},
    {"code": "CATP", "name": "Công an Thành phố", "short_name": "CATP", "kind": "sector"},
    {"code": "PHK", "name": "UBND phường Hoàn Kiếm", "short_name": "P. Hoàn Kiếm", "kind": "ward"},
    {"code": "PCN", "name": "UBND phường Cửa Nam", "short_name": "P. Cửa Nam", "kind": "ward"},
    {"code": "XSS", "name": "UBND xã Sóc Sơn", "short_name": "X. Sóc Sơn", "kind": "ward"},
]

PEOPLE: list[dict[str, Any]] = [
    {
        "username": "chutich",
        "full_name": "Phạm Đức Toàn",
        "position": "Chủ tịch UBND Thành phố",
        "unit": "UBND",
        "demo_role": "chair",
    },
    {
        "username": "phochutich",
        "full_name": "Nguyễn Thị Thu Hà",
        "position": "Phó Chủ tịch UBND Thành phố",
        "unit": "UBND",
        "demo_role": "vice_chair",
    },
    {
        "username": "chanhvanphong",
        "full_name": "Vũ Đăng Khoa",
        "position": "Chánh Văn phòng UBND Thành phố",
        "unit": "VP",
        "demo_role": "member",
    },
    {
        "username": "thuky",
        "full_name": "Đỗ Thị Minh Ngọc",
        "position": "Chuyên viên Văn phòng UBND Thành phố",
        "unit": "VP",
        "demo_role": "secretary",
    },
    {
        "username": "admin",
        "full_name": "Hoàng Tuấn Anh",
        "position": "Chuyên viên công nghệ thông tin, Văn phòng UBND Thành phố",
        "unit": "VP",
        "demo_role": "admin",
    },
    {
        "username": "gd.taichinh",
        "full_name": "Trịnh Quang Vinh",
        "position": "Giám đốc Sở Tài chính",
        "unit": "STC",
        "demo_role": "member",
    },
    {
        "username": "gd.noivu",
        "full_name": "Lê Thị Hồng Nhung",
        "position": "Giám đốc Sở Nội vụ",
        "unit": "SNV",
        "demo_role": "member",
    },
    {
        "username": "gd.khcn",
        "full_name": "Đặng Minh Quân",
        "position": "Giám đốc Sở Khoa học và Công nghệ",
        "unit": "SKHCN",
        "demo_role": "member",
    },
    {
        "username": "gd.xaydung",
        "full_name": "Tạ Văn Lộc",
        "position": "Giám đốc Sở Xây dựng",
        "unit": "SXD",
        "demo_role": "member",
    },
    {
        "username": "gd.yte",
        "full_name": "Phan Thị Thanh Huyền",
        "position": "Giám đốc Sở Y tế",
        "unit": "SYT",
        "demo_role": "member",
    },
    {
        "username": "pgd.yte",
        "full_name": "Lương Văn Khải",
        "position": "Phó Giám đốc Sở Y tế",
        "unit": "SYT",
        "demo_role": "member",
    },
    {
        "username": "gd.giaoduc",
        "full_name": "Kiều Thị Mai Lan",
        "position": "Giám đốc Sở Giáo dục và Đào tạo",
        "unit": "SGDDT",
        "demo_role": "member",
    },
    {
        "username": "gd.congan",
        "full_name": "Đinh Công Sơn",
        "position": "Giám đốc Công an Thành phố",
        "unit": "CATP",
        "demo_role": "member",
    },
    {
        "username": "ct.hoankiem",
        "full_name": "Nghiêm Xuân Trường",
        "position": "Chủ tịch UBND phường Hoàn Kiếm",
        "unit": "PHK",
        "demo_role": "member",
    },
    {
        "username": "ct.socson",
        "full_name": "Chu Thị Ngọc Ánh",
        "position": "Chủ tịch UBND xã Sóc Sơn",
        "unit": "XSS",
        "demo_role": "member",
    },
    {
        "username": "khachmoi",
        "full_name": "Bùi Thị Lan Phương",
        "position": "Phó Chủ tịch UBND phường Cửa Nam",
        "unit": "PCN",
        "demo_role": "guest",
    },
    {
        "username": "theodoi",
        "full_name": "Ngô Thanh Bình",
        "position": "Thanh tra viên chính, Thanh tra Thành phố",
        "unit": "TTTP",
        "demo_role": "observer",
    },
]


MEETINGS: list[dict[str, Any]] = [
    {
        "key": "upcoming",
        "title": "Phiên họp UBND Thành phố thường kỳ tháng 12 năm 2026",
        "kind": "regular",
        "location": "Phòng họp số 1, trụ sở UBND Thành phố, 12 Lê Lai",
        "days_from_today": 3,
        "start_time": "08:00",
        "duration_minutes": 240,
        "chair": "chutich",
        "description": (
            "Phiên họp thường kỳ cuối năm của UBND Thành phố xem xét dự toán ngân sách và kế hoạch "
            "đầu tư công năm 2027, kết quả chuyển đổi số năm 2026, kế hoạch bảo đảm an toàn thực "
            "phẩm dịp Tết Nguyên đán Đinh Mùi và Quy chế phối hợp giải quyết thủ tục hành chính "
            "giữa các sở, ngành với UBND phường, xã. Đại biểu nghiên cứu tài liệu trên hệ thống "
            "trước phiên họp và gửi ý kiến góp ý vào các dự thảo trước 17 giờ ngày 09/12/2026."
        ),
        "participants": [
            {"username": "chutich", "role": "chair", "can_vote": True, "substitute_for": None},
            {"username": "phochutich", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "thuky", "role": "secretary", "can_vote": False, "substitute_for": None},
            {
                "username": "chanhvanphong",
                "role": "member",
                "can_vote": True,
                "substitute_for": None,
            },
            {"username": "gd.taichinh", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.noivu", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.khcn", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.xaydung", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "pgd.yte", "role": "member", "can_vote": True, "substitute_for": "gd.yte"},
            {"username": "gd.giaoduc", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.congan", "role": "member", "can_vote": True, "substitute_for": None},
            {
                "username": "ct.hoankiem",
                "role": "member",
                "can_vote": False,
                "substitute_for": None,
            },
            {"username": "ct.socson", "role": "member", "can_vote": False, "substitute_for": None},
            {"username": "khachmoi", "role": "guest", "can_vote": False, "substitute_for": None},
            {"username": "theodoi", "role": "observer", "can_vote": False, "substitute_for": None},
        ],
        "agenda": [
            {
                "title": "Khai mạc, thông qua chương trình phiên họp",
                "description": (
                    "Văn phòng UBND Thành phố báo cáo thành phần dự họp; Chủ tịch UBND Thành phố "
                    "phát biểu khai mạc và đề nghị thông qua chương trình phiên họp."
                ),
                "presenter_unit": "VP",
                "presenter": "chanhvanphong",
                "planned_minutes": 10,
                "guests_invited": False,
                "papers": ["ct-phien-hop-thang-12"],
            },
            {
                "title": "Dự toán ngân sách địa phương và kế hoạch đầu tư công năm 2027",
                "description": (
                    "Sở Tài chính trình dự toán thu, chi ngân sách và phương án phân bổ kế hoạch "
                    "đầu tư công năm 2027 để UBND Thành phố thảo luận, biểu quyết trước khi trình "
                    "HĐND Thành phố."
                ),
                "presenter_unit": "STC",
                "presenter": "gd.taichinh",
                "planned_minutes": 60,
                "guests_invited": False,
                "papers": [],
                "children": [
                    {
                        "title": (
                            "Dự toán thu ngân sách nhà nước, thu, chi ngân sách địa phương năm 2027"
                        ),
                        "description": (
                            "Tờ trình của Sở Tài chính về dự toán và phương án phân bổ ngân sách "
                            "địa phương năm 2027, trong đó có phần ngân sách cấp xã."
                        ),
                        "presenter_unit": "STC",
                        "presenter": "gd.taichinh",
                        "planned_minutes": 35,
                        "guests_invited": False,
                        "papers": ["tt-du-toan-ngan-sach-2027"],
                    },
                    {
                        "title": (
                            "Giao chi tiết kế hoạch đầu tư công năm 2027 nguồn ngân sách Thành phố"
                        ),
                        "description": (
                            "Dự thảo Quyết định giao kế hoạch vốn đầu tư công năm 2027, ưu tiên dự "
                            "án chuyển tiếp, trường học, bệnh viện và hạ tầng số."
                        ),
                        "presenter_unit": "STC",
                        "presenter": "gd.taichinh",
                        "planned_minutes": 25,
                        "guests_invited": False,
                        "papers": ["dtqd-dau-tu-cong-2027"],
                    },
                ],
            },
            {
                "title": "Kết quả chuyển đổi số năm 2026 và nhiệm vụ trọng tâm năm 2027",
                "description": (
                    "Sở Khoa học và Công nghệ báo cáo kết quả xây dựng chính quyền số, kinh tế số, "
                    "xã hội số năm 2026, những tồn tại và đề xuất nhiệm vụ năm 2027."
                ),
                "presenter_unit": "SKHCN",
                "presenter": "gd.khcn",
                "planned_minutes": 45,
                "guests_invited": False,
                "papers": ["bc-chuyen-doi-so-2026"],
            },
            {
                "title": (
                    "Kế hoạch bảo đảm an toàn thực phẩm dịp Tết Nguyên đán Đinh Mùi và mùa Lễ hội "
                    "Xuân năm 2027"
                ),
                "description": (
                    "Sở Y tế trình dự thảo Kế hoạch của UBND Thành phố về tăng cường kiểm tra, "
                    "giám sát an toàn thực phẩm và phòng chống ngộ độc thực phẩm dịp Tết."
                ),
                "presenter_unit": "SYT",
                "presenter": "pgd.yte",
                "planned_minutes": 30,
                "guests_invited": False,
                "papers": ["dtkh-attp-tet-2027"],
            },
            {
                "title": (
                    "Quy chế phối hợp giữa các sở, ngành và UBND phường, xã trong giải quyết thủ "
                    "tục hành chính"
                ),
                "description": (
                    "Sở Nội vụ trình ban hành Quy chế phối hợp nhằm rút ngắn thời gian xử lý hồ sơ "
                    "liên thông giữa hai cấp chính quyền; mời đại diện UBND phường Cửa Nam dự và "
                    "phát biểu."
                ),
                "presenter_unit": "SNV",
                "presenter": "gd.noivu",
                "planned_minutes": 40,
                "guests_invited": True,
                "papers": [
                    "tt-quy-che-phoi-hop-tthc",
                    "dtqd-quy-che-phoi-hop-tthc",
                    "th-gop-y-quy-che-phoi-hop",
                ],
            },
        ],
    },
    {
        "key": "past",
        "title": (
            "Họp chuyên đề về cải cách hành chính, dịch vụ công trực tuyến và thực hiện Đề án 06 "
            "năm 2026"
        ),
        "kind": "thematic",
        "location": "Phòng họp số 2, trụ sở UBND Thành phố, 12 Lê Lai",
        "days_from_today": -20,
        "start_time": "14:00",
        "duration_minutes": 180,
        "chair": "phochutich",
        "description": (
            "Cuộc họp chuyên đề đánh giá kết quả thực hiện Đề án 06 và cung cấp dịch vụ công trực "
            "tuyến 10 tháng năm 2026, sau hơn một năm vận hành chính quyền địa phương hai cấp. "
            "UBND Thành phố cho ý kiến về kế hoạch số hóa hồ sơ thủ tục hành chính tại phường, xã "
            "và đề xuất hỗ trợ chữ ký số miễn phí cho người dân."
        ),
        "participants": [
            {"username": "phochutich", "role": "chair", "can_vote": True, "substitute_for": None},
            {"username": "thuky", "role": "secretary", "can_vote": False, "substitute_for": None},
            {
                "username": "chanhvanphong",
                "role": "member",
                "can_vote": True,
                "substitute_for": None,
            },
            {"username": "gd.taichinh", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.noivu", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.khcn", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.yte", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.congan", "role": "member", "can_vote": True, "substitute_for": None},
            {
                "username": "ct.hoankiem",
                "role": "member",
                "can_vote": False,
                "substitute_for": None,
            },
            {"username": "ct.socson", "role": "member", "can_vote": False, "substitute_for": None},
            {"username": "khachmoi", "role": "guest", "can_vote": False, "substitute_for": None},
            {"username": "theodoi", "role": "observer", "can_vote": False, "substitute_for": None},
        ],
        "agenda": [
            {
                "title": "Khai mạc, thông qua chương trình cuộc họp",
                "description": (
                    "Văn phòng UBND Thành phố báo cáo thành phần dự họp; đồng chí Phó Chủ tịch "
                    "UBND Thành phố nêu mục đích, yêu cầu của cuộc họp."
                ),
                "presenter_unit": "VP",
                "presenter": "chanhvanphong",
                "planned_minutes": 10,
                "guests_invited": False,
                "papers": ["ct-hop-chuyen-de-cchc"],
            },
            {
                "title": (
                    "Tình hình thực hiện Đề án 06 và cung cấp dịch vụ công trực tuyến 10 tháng năm "
                    "2026"
                ),
                "description": (
                    "Công an Thành phố, cơ quan thường trực Tổ công tác Đề án 06 của Thành phố, "
                    "báo cáo kết quả, khó khăn và kiến nghị."
                ),
                "presenter_unit": "CATP",
                "presenter": "gd.congan",
                "planned_minutes": 40,
                "guests_invited": False,
                "papers": ["bc-de-an-06-10-thang-2026"],
            },
            {
                "title": (
                    "Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại UBND phường, "
                    "xã năm 2027"
                ),
                "description": (
                    "Văn phòng UBND Thành phố trình dự thảo Kế hoạch; đại diện UBND phường Cửa Nam "
                    "báo cáo kinh nghiệm số hóa hồ sơ tại bộ phận một cửa."
                ),
                "presenter_unit": "VP",
                "presenter": "chanhvanphong",
                "planned_minutes": 45,
                "guests_invited": True,
                "papers": ["dtkh-so-hoa-ho-so-cap-xa-2027"],
            },
            {
                "title": (
                    "Đề xuất hỗ trợ chứng thư chữ ký số miễn phí cho người dân khi thực hiện dịch "
                    "vụ công trực tuyến"
                ),
                "description": (
                    "Sở Khoa học và Công nghệ trình phương án, kinh phí và lộ trình cấp chữ ký số "
                    "cá nhân miễn phí trong năm 2027."
                ),
                "presenter_unit": "SKHCN",
                "presenter": "gd.khcn",
                "planned_minutes": 40,
                "guests_invited": False,
                "papers": ["tt-chu-ky-so-mien-phi"],
            },
            {
                "title": "Kết luận của đồng chí chủ trì cuộc họp",
                "description": (
                    "Đồng chí Phó Chủ tịch UBND Thành phố kết luận, giao nhiệm vụ cho các sở, "
                    "ngành và UBND phường, xã."
                ),
                "presenter_unit": "UBND",
                "presenter": "phochutich",
                "planned_minutes": 15,
                "guests_invited": False,
                "papers": [],
            },
        ],
    },
    {
        # In session now, so the live room (attendance, current item, queue, console) has
        # something to show the moment the demo starts.
        "key": "live",
        "title": "Họp giao ban Thường trực UBND Thành phố tuần 47 năm 2026",
        "kind": "working",
        "location": "Phòng họp số 3, trụ sở UBND Thành phố, 12 Lê Lai",
        "days_from_today": 0,
        "start_time": "08:00",
        "duration_minutes": 210,
        "chair": "chutich",
        "description": (
            "Giao ban Thường trực UBND Thành phố với các sở, ngành: tiến độ giải ngân vốn đầu tư "
            "công, chuyển đổi số và công tác chuẩn bị Tết Nguyên đán Đinh Mùi năm 2027."
        ),
        "participants": [
            {"username": "chutich", "role": "chair", "can_vote": True, "substitute_for": None},
            {"username": "phochutich", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "thuky", "role": "secretary", "can_vote": False, "substitute_for": None},
            {
                "username": "chanhvanphong",
                "role": "member",
                "can_vote": True,
                "substitute_for": None,
            },
            {"username": "gd.taichinh", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.noivu", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.khcn", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.xaydung", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.yte", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "gd.congan", "role": "member", "can_vote": True, "substitute_for": None},
            {"username": "theodoi", "role": "observer", "can_vote": False, "substitute_for": None},
        ],
        "agenda": [
            {
                "title": "Tiến độ giải ngân vốn đầu tư công năm 2026 và kế hoạch vốn năm 2027",
                "description": (
                    "Sở Tài chính báo cáo tỷ lệ giải ngân đến hết tháng 11, các dự án chậm giải "
                    "ngân và phương án điều chuyển vốn."
                ),
                "presenter_unit": "STC",
                "presenter": "gd.taichinh",
                "planned_minutes": 40,
                "guests_invited": False,
                "papers": ["dtqd-dau-tu-cong-2027"],
            },
            {
                "title": "Kết quả chuyển đổi số năm 2026",
                "description": (
                    "Sở Khoa học và Công nghệ báo cáo kết quả chuyển đổi số và những việc phải "
                    "hoàn thành trước ngày 31/12/2026."
                ),
                "presenter_unit": "SKHCN",
                "presenter": "gd.khcn",
                "planned_minutes": 30,
                "guests_invited": False,
                "papers": ["bc-chuyen-doi-so-2026"],
            },
            {
                "title": "Công tác bảo đảm an toàn thực phẩm dịp Tết Nguyên đán Đinh Mùi 2027",
                "description": "Sở Y tế báo cáo kế hoạch kiểm tra liên ngành dịp Tết.",
                "presenter_unit": "SYT",
                "presenter": "gd.yte",
                "planned_minutes": 30,
                "guests_invited": False,
                "papers": ["dtkh-attp-tet-2027"],
            },
        ],
        # The room as the demo opens: who is here, which item is on, who asked to speak.
        # gd.taichinh has not checked in yet, so the demo user can do it.
        "live": {
            "attendance": [
                ("chutich", "present", ""),
                ("phochutich", "present", ""),
                ("chanhvanphong", "present", ""),
                ("gd.noivu", "present", ""),
                ("gd.khcn", "online", ""),
                ("gd.xaydung", "present", ""),
                ("gd.yte", "absent", "Đi công tác tại Bộ Y tế"),
                ("gd.congan", "represented", "Đại tá Lê Văn Hùng, Phó Giám đốc Công an Thành phố"),
            ],
            "current_item": 1,
            "minutes_elapsed": 12,
            "queue": [
                ("gd.xaydung", "against", "Đề nghị giữ vốn cho hai dự án cầu đang thi công"),
                ("gd.noivu", "for", ""),
                ("chanhvanphong", "other", "Thời hạn báo cáo số liệu giải ngân hằng tuần"),
            ],
            "speaking": "gd.khcn",
            # Item 1 was put to a named vote and the result announced; the chair has prepared a
            # secret vote on the current item, ready to open from the console.
            "polls": [
                {
                    "item": 0,
                    "question": (
                        "Thông qua phương án điều chuyển vốn đầu tư công năm 2026 từ các dự án "
                        "chậm giải ngân sang các dự án có khả năng giải ngân tốt"
                    ),
                    "kind": "open",
                    "rule": "members_majority",
                    # Option 0 Tán thành, 1 Không tán thành, 2 Không biểu quyết.
                    "ballots": {
                        "chutich": 0,
                        "phochutich": 0,
                        "chanhvanphong": 0,
                        "gd.noivu": 0,
                        "gd.khcn": 0,
                        "gd.xaydung": 1,
                    },
                    "publish": True,
                },
                {
                    "item": 1,
                    "question": (
                        "Thống nhất đề xuất bổ sung kinh phí chuyển đổi số năm 2027 để hoàn thành "
                        "số hóa hồ sơ thủ tục hành chính cấp xã"
                    ),
                    "kind": "secret",
                    "rule": "members_majority",
                    "ballots": {},
                    "publish": False,
                },
            ],
        },
    },
]

# Bodies are in papers/<slug>.txt.
PAPERS: dict[str, dict[str, Any]] = {
    "ct-phien-hop-thang-12": {
        "title": "Chương trình Phiên họp UBND Thành phố thường kỳ tháng 12 năm 2026",
        "kind": "agenda",
        "issuer": "VP",
        "number": "412/CTr-VP",
    },
    "tt-du-toan-ngan-sach-2027": {
        "title": (
            "Tờ trình về dự toán thu ngân sách nhà nước trên địa bàn, thu, chi ngân sách địa "
            "phương và phương án phân bổ ngân sách Thành phố năm 2027"
        ),
        "kind": "proposal",
        "issuer": "STC",
        "number": "1586/TTr-STC",
    },
    "dtqd-dau-tu-cong-2027": {
        "title": (
            "Dự thảo Quyết định về việc giao chi tiết kế hoạch đầu tư công năm 2027 nguồn vốn "
            "ngân sách Thành phố"
        ),
        "kind": "draft_decision",
        "issuer": "UBND",
        "number": "/QĐ-UBND",
    },
    "bc-chuyen-doi-so-2026": {
        "title": (
            "Báo cáo kết quả thực hiện chuyển đổi số, xây dựng chính quyền số năm 2026 và nhiệm vụ "
            "trọng tâm năm 2027"
        ),
        "kind": "report",
        "issuer": "SKHCN",
        "number": "2417/BC-SKHCN",
    },
    "dtkh-attp-tet-2027": {
        "title": (
            "Dự thảo Kế hoạch bảo đảm an toàn thực phẩm dịp Tết Nguyên đán Đinh Mùi và mùa Lễ hội "
            "Xuân năm 2027"
        ),
        "kind": "draft_plan",
        "issuer": "UBND",
        "number": "/KH-UBND",
    },
    "tt-quy-che-phoi-hop-tthc": {
        "title": (
            "Tờ trình về việc ban hành Quy chế phối hợp giữa các sở, ngành và UBND phường, xã "
            "trong giải quyết thủ tục hành chính"
        ),
        "kind": "proposal",
        "issuer": "SNV",
        "number": "978/TTr-SNV",
    },
    "dtqd-quy-che-phoi-hop-tthc": {
        "title": (
            "Dự thảo Quyết định ban hành Quy chế phối hợp giữa các sở, ngành và UBND phường, xã "
            "trong giải quyết thủ tục hành chính"
        ),
        "kind": "draft_decision",
        "issuer": "UBND",
        "number": "/QĐ-UBND",
    },
    "th-gop-y-quy-che-phoi-hop": {
        "title": (
            "Bảng tổng hợp, tiếp thu, giải trình ý kiến góp ý dự thảo Quy chế phối hợp giải quyết "
            "thủ tục hành chính"
        ),
        "kind": "other",
        "issuer": "SNV",
        "number": "979/SNV-CCHC",
    },
    "ct-hop-chuyen-de-cchc": {
        "title": (
            "Chương trình cuộc họp chuyên đề về cải cách hành chính, dịch vụ công trực tuyến và "
            "thực hiện Đề án 06"
        ),
        "kind": "agenda",
        "issuer": "VP",
        "number": "376/CTr-VP",
    },
    "bc-de-an-06-10-thang-2026": {
        "title": (
            "Báo cáo kết quả thực hiện Đề án 06 và cung cấp dịch vụ công trực tuyến 10 tháng năm "
            "2026"
        ),
        "kind": "report",
        "issuer": "CATP",
        "number": "3152/BC-CATP",
    },
    "dtkh-so-hoa-ho-so-cap-xa-2027": {
        "title": (
            "Dự thảo Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại UBND "
            "phường, xã năm 2027"
        ),
        "kind": "draft_plan",
        "issuer": "UBND",
        "number": "/KH-UBND",
    },
    "tt-chu-ky-so-mien-phi": {
        "title": (
            "Tờ trình về việc hỗ trợ chứng thư chữ ký số cá nhân miễn phí cho người dân khi thực "
            "hiện dịch vụ công trực tuyến năm 2027"
        ),
        "kind": "proposal",
        "issuer": "SKHCN",
        "number": "2236/TTr-SKHCN",
    },
}


# What the meetings concluded, as the secretary records it: per agenda item (index among the
# top-level items), the chair's conclusion and the tasks, typed as "Giao ..." sentences and read by
# the same parser the task form uses. "{deadline}" is the meeting's day plus `days` calendar days.
# The past meeting also has its roll call and a vote, and its notice is issued.
RECORDS: dict[str, dict[str, Any]] = {
    "past": {
        "attendance": [
            ("phochutich", "present", ""),
            ("chanhvanphong", "present", ""),
            ("gd.taichinh", "present", ""),
            ("gd.noivu", "present", ""),
            ("gd.khcn", "present", ""),
            ("gd.yte", "absent", "Dự Hội nghị trực tuyến của Bộ Y tế"),
            ("gd.congan", "present", ""),
            ("ct.hoankiem", "online", ""),
            ("ct.socson", "represented", "Ông Lại Văn Tuấn, Phó Chủ tịch UBND xã Sóc Sơn"),
            ("khachmoi", "present", ""),
        ],
        "polls": [
            {
                "item": 3,
                "question": (
                    "Thống nhất chủ trương hỗ trợ chứng thư chữ ký số miễn phí cho người dân khi "
                    "thực hiện dịch vụ công trực tuyến trong năm 2027"
                ),
                "kind": "open",
                "rule": "cast_majority",
                "ballots": {
                    "phochutich": 0,
                    "chanhvanphong": 0,
                    "gd.taichinh": 0,
                    "gd.noivu": 0,
                    "gd.khcn": 0,
                    "gd.congan": 2,
                },
                "publish": True,
            }
        ],
        "general": (
            "Sau hơn một năm vận hành chính quyền địa phương hai cấp, các sở, ngành và UBND các "
            "phường, xã đã bám sát chỉ đạo của UBND Thành phố; tỷ lệ hồ sơ trực tuyến toàn trình "
            "đạt 62%, tỷ lệ số hóa hồ sơ, kết quả giải quyết thủ tục hành chính đạt 71%. Tuy nhiên, "
            "dữ liệu dân cư tại một số phường, xã chưa được làm sạch, việc tái sử dụng dữ liệu đã "
            "số hóa còn hạn chế, nhiều người dân chưa có chữ ký số cá nhân."
        ),
        "items": {
            1: {
                "conclusion": (
                    "Cơ bản thống nhất báo cáo của Công an Thành phố về kết quả thực hiện Đề án 06 "
                    "10 tháng năm 2026. Các đơn vị tập trung làm sạch dữ liệu dân cư, bảo đảm dữ "
                    "liệu “đúng, đủ, sạch, sống” phục vụ giải quyết thủ tục hành chính."
                ),
                "tasks": [
                    (
                        "Giao Công an Thành phố chủ trì, phối hợp với Sở Khoa học và Công nghệ "
                        "hoàn thành làm sạch dữ liệu dân cư, đồng bộ với dữ liệu hộ tịch; báo cáo "
                        "UBND Thành phố trước ngày {deadline}.",
                        10,
                    ),
                    (
                        "Giao Sở Nội vụ chủ trì, phối hợp với Công an Thành phố rà soát, chuẩn hóa "
                        "quy trình nội bộ giải quyết thủ tục hành chính liên thông; báo cáo UBND "
                        "Thành phố trước ngày {deadline}.",
                        35,
                    ),
                ],
            },
            2: {
                "conclusion": (
                    "Thống nhất với dự thảo Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành "
                    "chính tại UBND phường, xã năm 2027 do Văn phòng UBND Thành phố trình; ghi "
                    "nhận kinh nghiệm của UBND phường Cửa Nam tại bộ phận một cửa."
                ),
                "tasks": [
                    (
                        "Giao Văn phòng UBND Thành phố chủ trì, phối hợp với Sở Khoa học và Công "
                        "nghệ hoàn thiện Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành "
                        "chính tại UBND phường, xã năm 2027; trình UBND Thành phố trước ngày "
                        "{deadline}.",
                        15,
                    ),
                    (
                        "Giao UBND phường Hoàn Kiếm chủ trì, phối hợp với UBND phường Cửa Nam tổ "
                        "chức số hóa toàn bộ hồ sơ tiếp nhận tại bộ phận một cửa của phường; báo "
                        "cáo UBND Thành phố trước ngày {deadline}.",
                        22,
                    ),
                ],
            },
            3: {
                "conclusion": (
                    "Thống nhất chủ trương hỗ trợ chứng thư chữ ký số miễn phí cho người dân khi "
                    "thực hiện dịch vụ công trực tuyến trong năm 2027, ưu tiên người cao tuổi, "
                    "người có công và hộ nghèo."
                ),
                "tasks": [
                    (
                        "Giao Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tài chính xây dựng "
                        "phương án hỗ trợ chứng thư chữ ký số miễn phí, xác định kinh phí và lộ "
                        "trình thực hiện năm 2027; báo cáo UBND Thành phố trước ngày {deadline}.",
                        18,
                    ),
                    (
                        "Giao Sở Tài chính chủ trì, phối hợp với Sở Khoa học và Công nghệ thẩm "
                        "định, cân đối kinh phí hỗ trợ chữ ký số trong dự toán ngân sách năm 2027; "
                        "báo cáo UBND Thành phố trước ngày {deadline}.",
                        40,
                    ),
                ],
            },
        },
        # Issued by the committee a few working days after the meeting.
        "notice": {"variant": "committee", "working_days_after": 3},
        # What the units reported since (task = its number in the order above, from 0), and
        # whether the office confirmed it: one overdue in progress, one done, one awaiting
        # confirmation, the others not started (one due within days: a reminder).
        "progress": [
            (
                0,
                "gd.congan",
                "in_progress",
                "Đã làm sạch dữ liệu tại 96/126 phường, xã; đang đối soát với dữ liệu hộ tịch.",
                False,
            ),
            (
                2,
                "chanhvanphong",
                "reported",
                "Đã trình UBND Thành phố dự thảo Kế hoạch số hóa hồ sơ năm 2027.",
                True,
            ),
            (
                4,
                "gd.khcn",
                "reported",
                "Đã gửi Sở Tài chính phương án hỗ trợ chữ ký số và dự toán kinh phí.",
                False,
            ),
        ],
    },
    "live": {
        "items": {
            0: {
                "conclusion": (
                    "Thống nhất phương án điều chuyển vốn đầu tư công năm 2026 từ các dự án chậm "
                    "giải ngân sang các dự án có khả năng giải ngân tốt, như Sở Tài chính đề xuất."
                ),
                "tasks": [
                    (
                        "Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng hoàn thiện hồ sơ điều "
                        "chuyển vốn, trình UBND Thành phố trước ngày {deadline}.",
                        7,
                    ),
                ],
            },
        },
    },
}
