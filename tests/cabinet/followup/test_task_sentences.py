"""The task-sentence parser of the conclusion notice (cabinet.followup.sentences).

Every sentence below was written for these tests. Each table row states the whole ParsedTask the
secretary's form is pre-filled with, so a change in any field fails the row.
"""

from __future__ import annotations

from datetime import date

import pytest

from cabinet.followup.sentences import (
    MAX_SENTENCE_CHARS,
    ParsedTask,
    UnitName,
    compose_task_sentence,
    normalize_for_match,
    parse_task_sentence,
    split_tasks,
)

TODAY = date(2026, 10, 1)

UNITS = (
    UnitName(1, "Sở Tài chính", "STC", ("Sở TC",)),
    UnitName(2, "Sở Nội vụ", "SNV"),
    UnitName(3, "Sở Khoa học và Công nghệ", "SKHCN"),
    UnitName(4, "Sở Xây dựng", "SXD"),
    UnitName(5, "Sở Y tế", "SYT"),
    UnitName(6, "Sở Giáo dục và Đào tạo", "SGDĐT"),
    UnitName(7, "Công an Thành phố", "CATP"),
    UnitName(8, "Văn phòng UBND Thành phố", "VP"),
    UnitName(9, "Ủy ban nhân dân phường Cửa Nam"),
    UnitName(10, "UBND xã Sóc Sơn"),
    UnitName(11, "Sở Tài chính - Kế hoạch"),
    UnitName(12, "Sở Nông nghiệp và Môi trường", "", ("Sở NN&MT",)),
)
BY_ID = {unit.id: unit for unit in UNITS}

NO_LEAD = "Chưa xác định đơn vị chủ trì."
NO_DEADLINE = "Chưa có thời hạn."


def unknown(name: str) -> str:
    return f'Không tìm thấy đơn vị "{name}" trong danh sách.'


def several(name: str) -> str:
    return (
        f'Câu giao cho nhiều đơn vị nhưng không nêu đơn vị chủ trì; tạm coi "{name}" '
        "là đơn vị chủ trì, cần xác nhận."
    )


def task(
    lead: int | None,
    coordinating: tuple[int, ...],
    content: str,
    deadline: date | None,
    report_to: str = "",
    *,
    related: bool = False,
    unknown_units: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
) -> ParsedTask:
    return ParsedTask(
        lead=BY_ID[lead] if lead is not None else None,
        coordinating=tuple(BY_ID[i] for i in coordinating),
        content=content,
        deadline=deadline,
        report_to=report_to,
        with_related_units=related,
        unknown_units=unknown_units,
        warnings=warnings,
    )


CASES: list[tuple[str, ParsedTask]] = [
    (  # 1 the canonical form of the conclusion notice
        "Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát, đề xuất điều chỉnh dự toán "
        "ngân sách năm 2027; báo cáo UBND Thành phố trước ngày 15/12/2026.",
        task(
            1,
            (2,),
            "rà soát, đề xuất điều chỉnh dự toán ngân sách năm 2027",
            date(2026, 12, 15),
            "UBND Thành phố",
        ),
    ),
    (  # 2 typed without diacritics, lower case
        "giao so khoa hoc va cong nghe chu tri, phoi hop voi so tai chinh xay dung de an chuyen "
        "doi so; bao cao ubnd thanh pho truoc ngay 20/11/2026",
        task(3, (1,), "xay dung de an chuyen doi so", date(2026, 11, 20), "ubnd thanh pho"),
    ),
    (  # 3 upper case
        "GIAO SỞ XÂY DỰNG CHỦ TRÌ, PHỐI HỢP VỚI CÔNG AN THÀNH PHỐ KIỂM TRA AN TOÀN PHÒNG CHÁY "
        "CÁC CHUNG CƯ MINI; BÁO CÁO UBND THÀNH PHỐ TRƯỚC NGÀY 30/11/2026.",
        task(
            4,
            (7,),
            "KIỂM TRA AN TOÀN PHÒNG CHÁY CÁC CHUNG CƯ MINI",
            date(2026, 11, 30),
            "UBND THÀNH PHỐ",
        ),
    ),
    (  # 4 "Giao X phối hợp với Y", "hoàn thành trước ngày"
        "Giao Sở Y tế phối hợp với UBND phường Cửa Nam kiểm tra vệ sinh an toàn thực phẩm tại "
        "các chợ trên địa bàn, hoàn thành trước ngày 31/12/2026.",
        task(
            5,
            (9,),
            "kiểm tra vệ sinh an toàn thực phẩm tại các chợ trên địa bàn",
            date(2026, 12, 31),
        ),
    ),
    (  # 5 no "Giao"; "phối hợp" without "với"; day/month already past this year -> next year
        "Sở Xây dựng chủ trì, phối hợp Sở Tài chính thẩm định phương án giá nhà ở xã hội "
        "trước 30/6.",
        task(4, (1,), "thẩm định phương án giá nhà ở xã hội", date(2027, 6, 30)),
    ),
    (  # 6 "Giao X <content>", month/year -> last day of the month
        "Giao Sở Nội vụ hướng dẫn các phường, xã kiện toàn tổ chức bộ máy trong tháng 12/2026.",
        task(2, (), "hướng dẫn các phường, xã kiện toàn tổ chức bộ máy", date(2026, 12, 31)),
    ),
    (  # 7 "Đề nghị", long date form, report to the chairman
        "Đề nghị Công an Thành phố tăng cường bảo đảm an ninh trật tự dịp Tết Nguyên đán; báo "
        "cáo Chủ tịch UBND Thành phố trước ngày 15 tháng 1 năm 2027.",
        task(
            7,
            (),
            "tăng cường bảo đảm an ninh trật tự dịp Tết Nguyên đán",
            date(2027, 1, 15),
            "Chủ tịch UBND Thành phố",
        ),
    ),
    (  # 8 "Yêu cầu", "chậm nhất ngày", d/m/yyyy
        "Yêu cầu UBND xã Sóc Sơn khẩn trương hoàn thành giải phóng mặt bằng dự án đường vành "
        "đai, chậm nhất ngày 5/1/2027.",
        task(
            10,
            (),
            "khẩn trương hoàn thành giải phóng mặt bằng dự án đường vành đai",
            date(2027, 1, 5),
        ),
    ),
    (  # 9 "Giao X và Y": X leads, Y coordinates, the secretary is asked to confirm
        "Giao Sở Y tế và Sở Giáo dục và Đào tạo kiểm tra an toàn thực phẩm tại bếp ăn trường học "
        "trong quý IV/2026.",
        task(
            5,
            (6,),
            "kiểm tra an toàn thực phẩm tại bếp ăn trường học",
            date(2026, 12, 31),
            warnings=(several("Sở Y tế"),),
        ),
    ),
    (  # 10 the office follows up; no deadline
        "Giao Văn phòng UBND Thành phố theo dõi, đôn đốc việc thực hiện các nội dung trên.",
        task(
            8,
            (),
            "theo dõi, đôn đốc việc thực hiện các nội dung trên",
            None,
            warnings=(NO_DEADLINE,),
        ),
    ),
    (  # 11 "và các đơn vị liên quan", quarter in Roman numerals
        "Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng và các đơn vị liên quan cân đối, bố "
        "trí vốn cho dự án cải tạo chung cư cũ; báo cáo UBND Thành phố trong quý I/2027.",
        task(
            1,
            (4,),
            "cân đối, bố trí vốn cho dự án cải tạo chung cư cũ",
            date(2027, 3, 31),
            "UBND Thành phố",
            related=True,
        ),
    ),
    (  # 12 only related units coordinate; ", báo cáo" tail
        "Giao Sở Nội vụ chủ trì, phối hợp với các cơ quan, đơn vị có liên quan rà soát vị trí "
        "việc làm, báo cáo UBND Thành phố trước ngày 10/12/2026.",
        task(
            2,
            (),
            "rà soát vị trí việc làm",
            date(2026, 12, 10),
            "UBND Thành phố",
            related=True,
        ),
    ),
    (  # 13 the lead is not in the unit list: shown, never replaced by another unit
        "Giao Sở Văn hóa và Thể thao chủ trì, phối hợp với Sở Y tế tổ chức Giải chạy vì sức khỏe "
        "cộng đồng, hoàn thành trong quý I/2027.",
        task(
            None,
            (5,),
            "tổ chức Giải chạy vì sức khỏe cộng đồng",
            date(2027, 3, 31),
            unknown_units=("Sở Văn hóa và Thể thao",),
            warnings=(NO_LEAD, unknown("Sở Văn hóa và Thể thao")),
        ),
    ),
    (  # 14 an unknown coordinating unit between known ones
        "Giao Sở Xây dựng chủ trì, phối hợp với Sở Giao thông vận tải và Công an Thành phố rà "
        "soát các điểm đen tai nạn giao thông; báo cáo UBND Thành phố trước ngày 01/12/2026.",
        task(
            4,
            (7,),
            "rà soát các điểm đen tai nạn giao thông",
            date(2026, 12, 1),
            "UBND Thành phố",
            unknown_units=("Sở Giao thông vận tải",),
            warnings=(unknown("Sở Giao thông vận tải"),),
        ),
    ),
    (  # 15 an impossible day: a warning, no exception, no deadline
        "Giao Sở Tài chính tổng hợp nhu cầu kinh phí; báo cáo UBND Thành phố trước ngày "
        "31/02/2027.",
        task(
            1,
            (),
            "tổng hợp nhu cầu kinh phí",
            None,
            "UBND Thành phố",
            warnings=("Ngày 31/02/2027 không hợp lệ.",),
        ),
    ),
    (  # 16 an impossible month; "trình" tail
        "Giao Sở Y tế hoàn thiện đề án, trình UBND Thành phố trong tháng 13/2026.",
        task(
            5,
            (),
            "hoàn thiện đề án",
            None,
            "UBND Thành phố",
            warnings=("Tháng 13/2026 không hợp lệ.",),
        ),
    ),
    (  # 17 no unit at all
        "Rà soát, hoàn thiện hồ sơ dự án trước ngày 20/12/2026.",
        task(
            None,
            (),
            "Rà soát, hoàn thiện hồ sơ dự án",
            date(2026, 12, 20),
            warnings=(NO_LEAD,),
        ),
    ),
    (  # 18 no deadline
        "Giao Sở Khoa học và Công nghệ nghiên cứu, đề xuất cơ chế thí điểm cho doanh nghiệp "
        "khởi nghiệp sáng tạo.",
        task(
            3,
            (),
            "nghiên cứu, đề xuất cơ chế thí điểm cho doanh nghiệp khởi nghiệp sáng tạo",
            None,
            warnings=(NO_DEADLINE,),
        ),
    ),
    (  # 19 dd-mm-yyyy
        "Giao Công an Thành phố chủ trì, phối hợp với UBND phường Cửa Nam xử lý dứt điểm tình "
        "trạng lấn chiếm vỉa hè, hoàn thành trước ngày 15-11-2026.",
        task(
            7,
            (9,),
            "xử lý dứt điểm tình trạng lấn chiếm vỉa hè",
            date(2026, 11, 15),
        ),
    ),
    (  # 20 "6 tháng đầu năm"
        "Giao Sở Giáo dục và Đào tạo chủ trì, phối hợp với Sở Nội vụ xây dựng phương án sắp xếp "
        "các trường học, hoàn thành trong 6 tháng đầu năm 2027.",
        task(6, (2,), "xây dựng phương án sắp xếp các trường học", date(2027, 6, 30)),
    ),
    (  # 21 "trong năm 2027"
        "Giao UBND xã Sóc Sơn phối hợp với Sở Xây dựng hoàn thành xây dựng nông thôn mới kiểu "
        "mẫu trong năm 2027.",
        task(
            10,
            (4,),
            "hoàn thành xây dựng nông thôn mới kiểu mẫu",
            date(2027, 12, 31),
        ),
    ),
    (  # 22 "quý 4 năm 2026"
        "Giao Sở Khoa học và Công nghệ chủ trì, phối hợp với Văn phòng UBND Thành phố triển "
        "khai hệ thống phòng họp không giấy, hoàn thành trong quý 4 năm 2026.",
        task(
            3,
            (8,),
            "triển khai hệ thống phòng họp không giấy",
            date(2026, 12, 31),
        ),
    ),
    (  # 23 short names; "UBND TP" in the report
        "Giao STC chủ trì, phối hợp SNV và CATP rà soát định mức chi, báo cáo UBND TP trước "
        "15/11/2026.",
        task(1, (2, 7), "rà soát định mức chi", date(2026, 11, 15), "UBND TP"),
    ),
    (  # 24 "Ủy ban nhân dân" written where the list says "UBND", and the reverse
        "Giao Ủy ban nhân dân xã Sóc Sơn chủ trì, phối hợp với UBND phường Cửa Nam tổ chức diễn "
        "tập phòng chống thiên tai trước ngày 20/10/2026.",
        task(
            10,
            (9,),
            "tổ chức diễn tập phòng chống thiên tai",
            date(2026, 10, 20),
        ),
    ),
    (  # 25 "TP" written where the list says "Thành phố"; "Thường trực" in the report
        "Giao Văn phòng UBND TP chủ trì, phối hợp với Công an TP chuẩn bị phương án bảo vệ hội "
        "nghị; báo cáo Thường trực UBND Thành phố trước ngày 25/10/2026.",
        task(
            8,
            (7,),
            "chuẩn bị phương án bảo vệ hội nghị",
            date(2026, 10, 25),
            "Thường trực UBND Thành phố",
        ),
    ),
    (  # 26 the longer name wins over the shorter one inside it
        "Giao Sở Tài chính - Kế hoạch chủ trì, phối hợp với Sở Tài chính cân đối nguồn vốn đầu tư "
        "công; báo cáo UBND Thành phố trước ngày 30/11/2026.",
        task(
            11,
            (1,),
            "cân đối nguồn vốn đầu tư công",
            date(2026, 11, 30),
            "UBND Thành phố",
        ),
    ),
    (  # 27 aliases ("Sở TC", "Sở NN&MT")
        "Giao Sở NN&MT chủ trì, phối hợp với Sở TC hướng dẫn hỗ trợ thiệt hại do bão; báo cáo "
        "UBND Thành phố trước ngày 15/10/2026.",
        task(
            12,
            (1,),
            "hướng dẫn hỗ trợ thiệt hại do bão",
            date(2026, 10, 15),
            "UBND Thành phố",
        ),
    ),
    (  # 28 an abbreviation that is no alias is an unknown unit
        "Giao Sở KHCN chủ trì, phối hợp với Sở Y tế ứng dụng trí tuệ nhân tạo trong khám chữa "
        "bệnh, hoàn thành trước ngày 31/3/2027.",
        task(
            None,
            (5,),
            "ứng dụng trí tuệ nhân tạo trong khám chữa bệnh",
            date(2027, 3, 31),
            unknown_units=("Sở KHCN",),
            warnings=(NO_LEAD, unknown("Sở KHCN")),
        ),
    ),
    (  # 29 "báo cáo kết quả thực hiện về ..."; text after the deadline
        "Giao Sở Giáo dục và Đào tạo tổ chức kiểm tra công tác tuyển sinh đầu cấp; báo cáo kết "
        "quả thực hiện về Văn phòng UBND Thành phố trước ngày 15/9/2027 để tổng hợp.",
        task(
            6,
            (),
            "tổ chức kiểm tra công tác tuyển sinh đầu cấp",
            date(2027, 9, 15),
            "Văn phòng UBND Thành phố",
        ),
    ),
    (  # 30 ", trình ... xem xét, quyết định"
        "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tài chính xây dựng Đề án vị trí việc làm, trình "
        "UBND Thành phố xem xét, quyết định trước ngày 15/12/2026.",
        task(
            2,
            (1,),
            "xây dựng Đề án vị trí việc làm",
            date(2026, 12, 15),
            "UBND Thành phố",
        ),
    ),
    (  # 31 numbered item; "chậm nhất là ngày"
        "2. Giao Sở Y tế chủ trì, phối hợp với Sở Tài chính bảo đảm thuốc, vật tư y tế; báo cáo "
        "UBND Thành phố chậm nhất là ngày 10/01/2027.",
        task(
            5,
            (1,),
            "bảo đảm thuốc, vật tư y tế",
            date(2027, 1, 10),
            "UBND Thành phố",
        ),
    ),
    (  # 32 bullet; day/month without year still ahead this year
        "- Giao Sở Xây dựng hoàn thành cấp phép xây dựng cho các dự án trọng điểm trước 15/12.",
        task(
            4,
            (),
            "hoàn thành cấp phép xây dựng cho các dự án trọng điểm",
            date(2026, 12, 15),
        ),
    ),
    (  # 33 a document's date inside the content is no deadline
        "Giao Sở Tài chính triển khai Kế hoạch số 125/KH-UBND ngày 03/02/2026 của UBND Thành "
        "phố; báo cáo UBND Thành phố trước ngày 20/12/2026.",
        task(
            1,
            (),
            "triển khai Kế hoạch số 125/KH-UBND ngày 03/02/2026 của UBND Thành phố",
            date(2026, 12, 20),
            "UBND Thành phố",
        ),
    ),
    (  # 34 a deadline already past; "báo cáo" as the task itself (no recipient, no tail)
        "Giao Sở Y tế báo cáo tình hình dịch sốt xuất huyết trước ngày 15/9/2026.",
        task(
            5,
            (),
            "báo cáo tình hình dịch sốt xuất huyết",
            date(2026, 9, 15),
            warnings=("Thời hạn 15/09/2026 đã qua.",),
        ),
    ),
    (  # 35 without diacritics, "Đề nghị", related sectors
        "de nghi cong an thanh pho phoi hop voi cac so, nganh lien quan dam bao an toan giao "
        "thong dip le hoi, hoan thanh truoc 31/1/2027",
        task(
            7,
            (),
            "dam bao an toan giao thong dip le hoi",
            date(2027, 1, 31),
            related=True,
        ),
    ),
    (  # 36 "Giao cho", "cùng": a marked pair, no warning
        "Giao cho Công an Thành phố cùng UBND phường Cửa Nam lập lại trật tự đô thị tuyến phố "
        "Hàng Bông trước ngày 30/10/2026.",
        task(
            7,
            (9,),
            "lập lại trật tự đô thị tuyến phố Hàng Bông",
            date(2026, 10, 30),
        ),
    ),
    (  # 37 a topic before the task; "Thời hạn hoàn thành:" as a separate sentence
        "Về đầu tư công: Giao Sở Xây dựng lập quy hoạch chi tiết khu tái định cư. Thời hạn hoàn "
        "thành: 30/11/2026.",
        task(4, (), "lập quy hoạch chi tiết khu tái định cư", date(2026, 11, 30)),
    ),
    (  # 38 "ngày ... tháng ..." without year, "Yêu cầu", several coordinating units
        "Yêu cầu Sở Y tế chủ trì, phối hợp với Sở Tài chính, Sở Nội vụ, UBND xã Sóc Sơn hoàn "
        "thành việc nâng cấp trạm y tế xã trước ngày 20 tháng 11.",
        task(
            5,
            (1, 2, 10),
            "hoàn thành việc nâng cấp trạm y tế xã",
            date(2026, 11, 20),
        ),
    ),
    (  # 39 an earlier date inside the content: the last deadline phrase is the deadline
        "Giao Sở Xây dựng rà soát các dự án được cấp phép trước ngày 01/7/2025 nhưng chưa triển "
        "khai; báo cáo UBND Thành phố trước ngày 15/12/2026.",
        task(
            4,
            (),
            "rà soát các dự án được cấp phép trước ngày 01/7/2025 nhưng chưa triển khai",
            date(2026, 12, 15),
            "UBND Thành phố",
        ),
    ),
    (  # 40 ", báo cáo kết quả" without a recipient still ends the content
        "Giao Sở Nội vụ tổ chức thi tuyển công chức, báo cáo kết quả trước ngày 15/12/2026.",
        task(2, (), "tổ chức thi tuyển công chức", date(2026, 12, 15)),
    ),
    (  # 41 "báo cáo" right after the unit, with a recipient: the report is the task itself
        "Giao Sở Tài chính báo cáo UBND Thành phố tình hình giải ngân vốn đầu tư công trước "
        "ngày 10/11/2026.",
        task(
            1,
            (),
            "báo cáo UBND Thành phố tình hình giải ngân vốn đầu tư công",
            date(2026, 11, 10),
            "UBND Thành phố",
        ),
    ),
    (  # 42 "tờ trình" and "chương trình" inside the content are not a report clause
        "Giao Sở Khoa học và Công nghệ hoàn thiện tờ trình UBND Thành phố về chương trình "
        "chuyển đổi số và báo cáo Chủ tịch UBND Thành phố trước ngày 20/11/2026.",
        task(
            3,
            (),
            "hoàn thiện tờ trình UBND Thành phố về chương trình chuyển đổi số",
            date(2026, 11, 20),
            "Chủ tịch UBND Thành phố",
        ),
    ),
    (  # 43 "báo cáo" as a noun inside the content, no recipient after it
        "Giao Sở Y tế xây dựng báo cáo đánh giá công tác phòng chống dịch trước ngày 30/11/2026.",
        task(
            5,
            (),
            "xây dựng báo cáo đánh giá công tác phòng chống dịch",
            date(2026, 11, 30),
        ),
    ),
]


@pytest.mark.parametrize(
    ("sentence", "expected"), CASES, ids=[str(i + 1) for i in range(len(CASES))]
)
def test_parse_task_sentence(sentence: str, expected: ParsedTask) -> None:
    assert parse_task_sentence(sentence, UNITS, today=TODAY) == expected


def test_there_are_at_least_thirty_sentences() -> None:
    assert len({sentence for sentence, _ in CASES}) >= 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ủy ban  nhân dân\tThành phố", "uy ban nhan dan thanh pho"),
        ("Sở Giáo dục và Đào tạo", "so giao duc va dao tao"),
        ("ĐÔN ĐỐC", "don doc"),
        ("Uỷ ban", "uy ban"),  # the old placement of the tone mark
        ("Hoà Bình", "hoa binh"),
        ("Sơ\u0309 Y tê\u0301", "so y te"),  # decomposed input
        ("  ", ""),
    ],
)
def test_normalize_for_match(text: str, expected: str) -> None:
    assert normalize_for_match(text) == expected


def test_a_name_matches_only_whole_words() -> None:
    units = (UnitName(1, "Sở Y tế", "YT"),)
    parsed = parse_task_sentence(
        "Giao Sở Y tếXYZ rà soát YTT; báo cáo trước 1/12/2026.", units, today=TODAY
    )
    assert parsed.lead is None


def test_short_name_in_mixed_case_matches() -> None:
    parsed = parse_task_sentence(
        "Giao catp rà soát camera giao thông trước 1/12/2026.", UNITS, today=TODAY
    )
    assert parsed.lead == BY_ID[7]
    assert parsed.content == "rà soát camera giao thông"


def test_the_longer_name_wins_whatever_the_list_order() -> None:
    units = tuple(reversed(UNITS))
    parsed = parse_task_sentence(
        "Giao Sở Tài chính - Kế hoạch cân đối vốn trước 1/12/2026.", units, today=TODAY
    )
    assert parsed.lead == BY_ID[11]
    assert parsed.coordinating == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "",
        "   ",
        ";;;,,,...",
        "Giao",
        "Giao Sở",
        "trước ngày",
        "trước ngày 99/99/9999",
        "quý V/2027",
        "Giao Sở Tài chính chủ trì, phối hợp với",
        "\x00\u200b\ufeff Giao \U0001f600 Sở Y tế",
        "İstanbul ǅ ﬁ " * 50,
    ],
)
def test_junk_never_raises(sentence: str) -> None:
    parsed = parse_task_sentence(sentence, UNITS, today=TODAY)
    assert isinstance(parsed, ParsedTask)
    assert parsed.deadline is None


def test_empty_sentence_says_what_is_missing() -> None:
    parsed = parse_task_sentence("", UNITS, today=TODAY)
    assert parsed.warnings == (NO_LEAD, NO_DEADLINE, "Chưa xác định nội dung nhiệm vụ.")


def test_very_long_text_is_capped_and_says_so() -> None:
    sentence = "Giao Sở Tài chính rà soát " + "các khoản chi " * 2000 + "trước ngày 1/12/2026."
    parsed = parse_task_sentence(sentence, UNITS, today=TODAY)
    assert parsed.lead == BY_ID[1]
    assert parsed.deadline is None  # the deadline lay beyond the cap
    assert len(parsed.content) <= MAX_SENTENCE_CHARS
    assert f"Câu quá dài; chỉ đọc {MAX_SENTENCE_CHARS} ký tự đầu." in parsed.warnings


def test_no_units_given() -> None:
    parsed = parse_task_sentence(
        "Giao Sở Tài chính rà soát dự toán trước ngày 1/12/2026.", [], today=TODAY
    )
    assert parsed.lead is None
    assert parsed.unknown_units == ("Sở Tài chính",)
    assert parsed.content == "rà soát dự toán"


def test_split_tasks_sentences_bullets_and_numbers() -> None:
    paragraph = (
        "Đồng chí Chủ tịch UBND Thành phố kết luận như sau:\n"
        "1. Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát dự toán; báo cáo UBND "
        "Thành phố trước ngày 15/12/2026. Giao Sở Y tế kiểm tra an toàn thực phẩm trong quý "
        "I/2027.\n"
        "- Giao Sở Giáo dục và Đào tạo tổ chức thi tuyển; giao Sở Giao thông vận tải phân luồng "
        "giao thông.\n"
        "2. Thống nhất chủ trương đầu tư dự án.\n"
        "3) Đề nghị Công an Thành phố bảo đảm an ninh. 4. Yêu cầu UBND xã Sóc Sơn báo cáo."
    )
    assert split_tasks(paragraph) == [
        "Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát dự toán; báo cáo UBND Thành "
        "phố trước ngày 15/12/2026.",
        "Giao Sở Y tế kiểm tra an toàn thực phẩm trong quý I/2027.",
        "Giao Sở Giáo dục và Đào tạo tổ chức thi tuyển",
        "giao Sở Giao thông vận tải phân luồng giao thông.",
        "Đề nghị Công an Thành phố bảo đảm an ninh.",
        "Yêu cầu UBND xã Sóc Sơn báo cáo.",
    ]


def test_split_tasks_keeps_a_sentence_without_giao_that_names_a_lead() -> None:
    text = "Sở Xây dựng chủ trì, phối hợp Sở Tài chính thẩm định giá. Thống nhất nội dung."
    assert split_tasks(text) == [text.removesuffix(" Thống nhất nội dung.")]


def test_split_tasks_keeps_a_deadline_sentence_with_its_task() -> None:
    text = (
        "Giao Sở Xây dựng lập quy hoạch khu tái định cư. Thời hạn hoàn thành: 30/11/2026. "
        "Thống nhất nội dung. Báo cáo định kỳ hằng tháng."
    )
    assert split_tasks(text) == [
        "Giao Sở Xây dựng lập quy hoạch khu tái định cư. Thời hạn hoàn thành: 30/11/2026."
    ]


def test_split_tasks_does_not_split_inside_unit_names_or_dates() -> None:
    text = "Giao Sở Giáo dục và Đào tạo phối hợp với Sở Giao thông vận tải trước 15/12/2026."
    assert split_tasks(text) == [text]


@pytest.mark.parametrize("text", ["", "\n\n", "Không có nhiệm vụ.", "x" * 100_000])
def test_split_tasks_without_tasks(text: str) -> None:
    assert split_tasks(text) == []


def test_split_then_parse() -> None:
    paragraph = (
        "Giao Sở Xây dựng kiểm tra chung cư mini trước 1/12/2026. "
        "Giao Sở Nội vụ rà soát biên chế trong tháng 11/2026."
    )
    parsed = [parse_task_sentence(s, UNITS, today=TODAY) for s in split_tasks(paragraph)]
    assert [(p.lead, p.content, p.deadline) for p in parsed] == [
        (BY_ID[4], "kiểm tra chung cư mini", date(2026, 12, 1)),
        (BY_ID[2], "rà soát biên chế", date(2026, 11, 30)),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Xây dựng kế hoạch chuyển đổi số", "xây dựng kế hoạch chuyển đổi số"),
        ("Tham mưu UBND Thành phố ban hành quy chế", "tham mưu UBND Thành phố ban hành quy chế"),
        ("Đôn đốc các phường hoàn thành", "đôn đốc các phường hoàn thành"),
        ("Hướng dẫn các xã triển khai", "hướng dẫn các xã triển khai"),
        ("Rà soát hồ sơ tồn đọng", "rà soát hồ sơ tồn đọng"),
        # Names and abbreviations keep their capitals.
        ("Đề án 06 triển khai tại các phường", "Đề án 06 triển khai tại các phường"),
        ("UBND các phường tuyên truyền", "UBND các phường tuyên truyền"),
    ],
)
def test_a_composed_sentence_lower_cases_the_verb_that_opens_the_content(
    content: str, expected: str
) -> None:
    """The verbs are compared with their tone marks: a folded word ("xay") is not the verb
    ("xây"), which left "Xây dựng", "Tham mưu" and "Đôn đốc" capitalised mid-sentence."""
    sentence = compose_task_sentence(lead="Sở Nội vụ", content=content)
    assert sentence == f"Giao Sở Nội vụ chủ trì {expected}."
