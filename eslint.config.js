// ESLint (flat config) for our own front-end JS only: the page modules, the service worker and
// the node --test unit tests. Vendored code (node_modules: pdf.js, htmx) is never linted.
//   npx eslint
const js = require("@eslint/js");
const globals = require("globals");

const PAGES = ["cabinet/static/cabinet/js/**/*.js", "assistant/static/assistant/js/**/*.js"];
const SERVICE_WORKER = "cabinet/static/cabinet/js/sw.js";
const TESTS = ["tests/js/**/*.mjs"];

module.exports = [
  { ignores: ["**/node_modules/**", ".venv/**", "data/**", "media/**", "test-artifacts/**", "bench/**"] },
  { files: [...PAGES, ...TESTS, "eslint.config.js"], ...js.configs.recommended },
  {
    files: PAGES,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
  },
  {
    // A classic script in the ServiceWorkerGlobalScope, not a module.
    files: [SERVICE_WORKER],
    languageOptions: { sourceType: "script", globals: { ...globals.serviceworker } },
  },
  {
    files: TESTS,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
  {
    files: [...PAGES, ...TESTS],
    rules: {
      // `const { rect: _rect, ...anchor } = chosen` is how a key is left out of a copy.
      "no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
];
