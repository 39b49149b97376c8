// node --test: the upload form's title from the chosen file's name
// (cabinet/static/cabinet/js/paper-upload.js), named as the server names it
// (cabinet/meetings/forms.py title_from_file_name).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { titleFromFileName } from "../../cabinet/static/cabinet/js/paper-upload.js";

describe("titleFromFileName", () => {
  it("drops the extension and reads underscores as spaces", () => {
    assert.equal(titleFromFileName("To_trinh_du_an_so_hoa.pdf"), "To trinh du an so hoa");
    assert.equal(titleFromFileName("Báo cáo tình hình KT-XH quý II.docx"), "Báo cáo tình hình KT-XH quý II");
  });
  it("composes a decomposed name (macOS) and collapses spaces", () => {
    assert.equal(titleFromFileName("Du\u0323\u031b tha\u0309o  QD.pdf"), "Dự thảo QD");
  });
  it("keeps a name without an extension, and a dot file whole", () => {
    assert.equal(titleFromFileName("Phu luc 2"), "Phu luc 2");
    assert.equal(titleFromFileName(".pdf"), ".pdf");
  });
});
