"""seed_library: the demo directives in the library, read from their rendered PDFs, with access.

One seeding for the whole file (it embeds with the real model): seed_demo, then seed_library,
then every check in the same test.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assistant.demo import DIRECTIVES
from assistant.models import Chunk, Directive, DirectiveStatus, Visibility
from assistant.permissions import can_manage_library
from assistant.search.retrieval import visible_directives
from cabinet.models import User

needs_model = pytest.mark.skipif(
    not Path(settings.EMBEDDING_MODEL).is_dir(),
    reason="needs the embedding model (python manage.py build_embedding_model)",
)


def visible_numbers(username: str) -> set[str]:
    user = User.objects.get(username=username)
    return set(
        Directive.objects.filter(visible_directives(user))
        .distinct()
        .values_list("number", flat=True)
    )


@pytest.mark.django_db
def test_refuses_without_the_demo_accounts() -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_library", stdout=StringIO())


@needs_model
@pytest.mark.django_db
def test_seed_library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No shared data here: the decree is skipped with a note (and the test stays short).
    monkeypatch.setenv("DEMO_SHARED_DATA", str(tmp_path / "no-shared-data"))
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_library", stdout=out)
    output = out.getvalue()
    assert "30/2020/NĐ-CP" in output
    assert "skipped" in output

    # Every demo directive is ready, indexed, and its header was read back from the PDF.
    for spec in DIRECTIVES:
        directive = Directive.objects.get(original_name=f"{spec['slug']}.pdf")
        assert directive.status == DirectiveStatus.READY, (spec["slug"], directive.error)
        assert directive.chunk_count > 0
        assert Chunk.objects.filter(directive=directive).count() == directive.chunk_count
        assert directive.edited_fields == []  # nothing typed: all of it parsed
        assert directive.number == spec["number"]
        assert directive.issued_on == spec["date"]
        assert directive.doc_type == spec["doc_type"]
        assert "hà nội" in directive.issuer.casefold()
        assert directive.uploaded_by.username == "thuky"
        assert f"{directive.label}" in output
    assert Directive.objects.count() == len(DIRECTIVES)

    # The passages that answer the demo questions exist where a citation can point (justified
    # lines come out of the PDF with doubled spaces: compare with single ones).
    def passages(number: str, **where: object) -> list[str]:
        chunks = Chunk.objects.filter(directive__number=number, **where)
        return [" ".join(text.split()) for text in chunks.values_list("text", flat=True)]

    assert any(
        "Giao Sở Khoa học và Công nghệ chủ trì" in text and "100% hồ sơ" in text
        for text in passages("05/CT-UBND", page_start=1)
    )
    assert any(
        "ban hành chậm nhất 05 ngày làm việc kể từ ngày kết thúc cuộc họp" in text
        for text in passages("3862/QĐ-UBND", article="Điều 8", clause="2")
    )

    # The secretariat manages the library; the restricted công văn is seen by the police and the
    # chair (and the library's managers), not by the other departments.
    assert can_manage_library(User.objects.get(username="thuky"))
    assert not can_manage_library(User.objects.get(username="gd.taichinh"))
    restricted = [s for s in DIRECTIVES if s["restricted_to_units"] or s["restricted_to_users"]]
    assert restricted
    public = {s["number"] for s in DIRECTIVES} - {s["number"] for s in restricted}
    for spec in restricted:
        directive = Directive.objects.get(number=spec["number"])
        assert directive.visibility == Visibility.RESTRICTED
        assert spec["number"] in visible_numbers("gd.congan")  # Công an Thành phố
        assert spec["number"] in visible_numbers("chutich")
        assert spec["number"] in visible_numbers("thuky")
        assert spec["number"] not in visible_numbers("gd.taichinh")
        assert spec["number"] not in visible_numbers("phochutich")
    assert public <= visible_numbers("gd.taichinh")

    # A second run adds nothing.
    directives, chunks = Directive.objects.count(), Chunk.objects.count()
    again = StringIO()
    call_command("seed_library", stdout=again)
    assert again.getvalue().count("already in the library") == len(DIRECTIVES)
    assert (Directive.objects.count(), Chunk.objects.count()) == (directives, chunks)
