"""URL groups of the cabinet app, one module per area, included by cabinet.urls inside the
"cabinet" namespace (so the area's views and routes stay together and small)."""
