"""Find and remove a PDF's active content: what a reader runs, opens or sends by itself.

Used by the sandboxed reader (cabinet.papers.lib.pdf_probe), which writes the cleaned copy that is stored and
served, and again by the watermark (cabinet.papers.lib.watermark), so that a download is clean even for a file
stored before this existed. Imports nothing from Django: it runs on hostile input in the sandbox.

What goes, by the code it is counted under (the counts are shown to the uploader and logged):

- ``javascript``: the document's /Names /JavaScript tree and every JavaScript action (including
  ``javascript:`` links), wherever it hangs.
- ``automatic_actions``: /OpenAction when it is an action rather than a destination (a GoTo is
  kept: opening at a chosen page is harmless), and every /AA (additional actions: triggers on
  open, close, print, page view, mouse or focus) of the catalog, pages, annotations and fields.
- ``other_actions``: actions in links, bookmarks and form buttons that leave the document or act on
  it: Launch, GoToR, GoToE, SubmitForm, ImportData, ResetForm, Hide, SetOCGState ..., and links to
  any scheme but http, https and mailto.
- ``embedded_files``: the /EmbeddedFiles tree, FileAttachment annotations and a portfolio's
  /Collection.
- ``multimedia``: RichMedia, Screen, Movie, Sound and 3D annotations, and the /Renditions and
  /AlternatePresentations trees (they carry players and scripts of their own).
- ``xfa``: an XFA form (/AcroForm /XFA), which carries its own scripts.

Plain links stay: an http(s) or mailto link opens only when the reader clicks it, and is no more
active than the same address printed on the page; GoTo links, bookmarks and the four page-turning
named actions stay too, so a paper's table of contents still works.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
)

SAFE_URI_SCHEMES = ("http:", "https:", "mailto:")
SAFE_NAMED_ACTIONS = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})
MULTIMEDIA_ACTIONS = frozenset({"/Rendition", "/Movie", "/Sound", "/RichMediaExecute"})
REMOVED_ANNOTATIONS = {
    "/FileAttachment": "embedded_files",
    "/RichMedia": "multimedia",
    "/Screen": "multimedia",
    "/Movie": "multimedia",
    "/Sound": "multimedia",
    "/3D": "multimedia",
}
REMOVED_NAME_TREES = {
    "/JavaScript": "javascript",
    "/EmbeddedFiles": "embedded_files",
    "/Renditions": "multimedia",
    "/AlternatePresentations": "multimedia",
}
# Bounds on what a hostile file can make the walk visit (chains of /Next, nested fields, bookmarks).
# Past them the file is refused rather than half-checked: a walk that stopped early could miss
# the one script on the last page.
MAX_CHAIN = 1000
MAX_NODES = 1_000_000


class TooComplex(Exception):
    """The document has more annotations, fields, bookmarks or chained actions than any paper."""


Found = Counter[str]


def find_active_content(reader: PdfReader) -> dict[str, int]:
    """What `reader`'s document holds, by code (empty: nothing to remove). Changes nothing.
    Raises TooComplex past the walk's bounds."""
    return dict(_Walk(apply=False).document(reader.root_object, list(reader.pages)))


def strip_active_content(writer: PdfWriter) -> dict[str, int]:
    """Remove it from `writer`'s document in place, and drop the objects nothing refers to any
    more (otherwise the removed scripts would still be written to the file). Returns the counts."""
    found = _Walk(apply=True).document(writer.root_object, list(writer.pages))
    if found:
        _drop_unreachable(writer)
    return dict(found)


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _name(value: Any) -> str:
    resolved = _resolve(value)
    return str(resolved) if isinstance(resolved, NameObject) else ""


class _Walk:
    def __init__(self, *, apply: bool) -> None:
        self.apply = apply
        self.found: Found = Counter()
        self.seen: set[int] = set()

    def _first_visit(self, obj: object) -> bool:
        """Objects shared between places (a widget is a page's annotation and a form field) are
        looked at once, so that nothing is counted twice and cycles end."""
        if id(obj) in self.seen:
            return False
        if len(self.seen) >= MAX_NODES:
            raise TooComplex
        self.seen.add(id(obj))
        return True

    def _drop(self, holder: DictionaryObject, key: str) -> None:
        if self.apply:
            del holder[key]

    def document(self, root: DictionaryObject, pages: list[Any]) -> Found:
        root = _resolve(root)
        self._open_action(root)
        self._additional_actions(root)
        names = _resolve(root.get("/Names"))
        if isinstance(names, DictionaryObject):
            for key, code in REMOVED_NAME_TREES.items():
                if key in names:
                    self.found[code] += 1
                    self._drop(names, key)
        if "/Collection" in root:
            self.found["embedded_files"] += 1
            self._drop(root, "/Collection")
        self._form(root)
        self._outlines(root)
        for page in pages:
            page = _resolve(page)
            if isinstance(page, DictionaryObject) and self._first_visit(page):
                self._additional_actions(page)
                self._annotations(page)
        return self.found

    # --- actions ------------------------------------------------------------------------------

    def _classify(self, action: Any) -> str | None:
        """None when the action is a plain link or a move inside the document; else its code."""
        action = _resolve(action)
        if not isinstance(action, DictionaryObject):
            return None if isinstance(action, ArrayObject) else "other_actions"
        kind = _name(action.get("/S"))
        if kind == "/JavaScript":
            return "javascript"
        if kind == "/GoTo":
            return None
        if kind == "/URI":
            uri = _resolve(action.get("/URI"))
            text = bytes(uri).decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
            # As a browser reads it: controls and spaces are dropped, the scheme has no case.
            scheme = "".join(ch for ch in text if ord(ch) > 0x20).lower()
            if scheme.startswith("javascript:"):
                return "javascript"
            return None if scheme.startswith(SAFE_URI_SCHEMES) else "other_actions"
        if kind == "/Named":
            return None if _name(action.get("/N")) in SAFE_NAMED_ACTIONS else "other_actions"
        if kind in MULTIMEDIA_ACTIONS:
            return "multimedia"
        return "other_actions"

    def _chain(self, action: Any) -> list[DictionaryObject]:
        """The action and those it leads to by /Next (a dict or an array), each once, bounded."""
        chain: list[DictionaryObject] = []
        queue = deque([action])
        ids: set[int] = set()
        steps = 0
        while queue:
            steps += 1
            if steps > MAX_CHAIN:
                raise TooComplex
            current = _resolve(queue.popleft())
            if not isinstance(current, DictionaryObject) or id(current) in ids:
                continue
            ids.add(id(current))
            chain.append(current)
            following = _resolve(current.get("/Next"))
            queue.extend(following if isinstance(following, ArrayObject) else [following])
        return chain

    def _count_chain(self, action: Any) -> bool:
        """Count the unsafe actions of a chain; True if it is all safe."""
        safe = True
        for step in self._chain(action):
            if (code := self._classify(step)) is not None:
                self.found[code] += 1
                safe = False
        head = _resolve(action)
        if not isinstance(head, DictionaryObject) and (code := self._classify(head)) is not None:
            self.found[code] += 1
            safe = False
        return safe

    def _link_action(self, holder: DictionaryObject, key: str = "/A") -> None:
        """A clicked action (a link's, a bookmark's, a button's): kept if the chain is safe."""
        if key in holder and not self._count_chain(holder[key]):
            self._drop(holder, key)

    def _additional_actions(self, holder: DictionaryObject) -> None:
        """/AA runs by itself on an event: it always goes, whatever its actions are."""
        if "/AA" not in holder:
            return
        triggers = _resolve(holder.get("/AA"))
        self.found["automatic_actions"] += 1
        if isinstance(triggers, DictionaryObject):
            for action in triggers.values():
                self._count_chain(action)
        self._drop(holder, "/AA")

    def _open_action(self, root: DictionaryObject) -> None:
        if "/OpenAction" not in root:
            return
        action = _resolve(root["/OpenAction"])
        if isinstance(action, ArrayObject):
            return  # an explicit destination: the page to open at
        chain = self._chain(action)
        if len(chain) == 1 and _name(chain[0].get("/S")) == "/GoTo":
            return
        self.found["automatic_actions"] += 1
        for step in chain:
            code = self._classify(step)
            if code in ("javascript", "multimedia"):
                self.found[code] += 1
        self._drop(root, "/OpenAction")

    # --- annotations, form fields, bookmarks ------------------------------------------------------

    def _annotations(self, page: DictionaryObject) -> None:
        annotations = _resolve(page.get("/Annots"))
        if not isinstance(annotations, ArrayObject):
            return
        kept = ArrayObject()
        for reference in annotations:
            annotation = _resolve(reference)
            if not isinstance(annotation, DictionaryObject):
                kept.append(reference)
                continue
            code = REMOVED_ANNOTATIONS.get(_name(annotation.get("/Subtype")))
            if code is not None:
                if self._first_visit(annotation):
                    self.found[code] += 1
                continue
            kept.append(reference)
            if self._first_visit(annotation):
                self._additional_actions(annotation)
                self._link_action(annotation, "/A")
                self._link_action(annotation, "/PA")
        if self.apply and len(kept) != len(annotations):
            annotations.clear()
            annotations.extend(kept)

    def _form(self, root: DictionaryObject) -> None:
        form = _resolve(root.get("/AcroForm"))
        if not isinstance(form, DictionaryObject):
            return
        if "/XFA" in form:
            self.found["xfa"] += 1
            self._drop(form, "/XFA")
            if "/NeedsRendering" in form:
                self._drop(form, "/NeedsRendering")
        fields = _resolve(form.get("/Fields"))
        stack = list(fields) if isinstance(fields, ArrayObject) else []
        while stack:
            field = _resolve(stack.pop())
            if not isinstance(field, DictionaryObject) or not self._first_visit(field):
                continue
            self._additional_actions(field)
            self._link_action(field, "/A")
            kids = _resolve(field.get("/Kids"))
            if isinstance(kids, ArrayObject):
                stack.extend(kids)

    def _outlines(self, root: DictionaryObject) -> None:
        outlines = _resolve(root.get("/Outlines"))
        stack = [outlines.get("/First")] if isinstance(outlines, DictionaryObject) else []
        while stack:
            item = _resolve(stack.pop())
            if not isinstance(item, DictionaryObject) or not self._first_visit(item):
                continue
            self._link_action(item, "/A")
            stack.extend(item.get(key) for key in ("/First", "/Next") if key in item)


def _drop_unreachable(writer: PdfWriter) -> None:
    """Forget the writer's objects that the trailer (root, info) no longer reaches."""
    objects: list[PdfObject | None] = writer._objects
    roots: list[Any] = [writer.root_object]
    info = writer._info
    if info is not None:
        roots.append(info)
    reachable: set[int] = set()
    stack = roots
    while stack:
        value = stack.pop()
        if isinstance(value, IndirectObject):
            if value.pdf is not writer or value.idnum in reachable:
                continue
            reachable.add(value.idnum)
            if 0 < value.idnum <= len(objects):
                stack.append(objects[value.idnum - 1])
        elif isinstance(value, DictionaryObject):
            reference = getattr(value, "indirect_reference", None)  # None: a direct object
            if reference is not None and reference.pdf is writer:
                reachable.add(reference.idnum)
            stack.extend(value.values())
        elif isinstance(value, ArrayObject):
            stack.extend(value)
    for index in range(len(objects)):
        if index + 1 not in reachable:
            objects[index] = None
