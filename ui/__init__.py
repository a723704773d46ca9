"""The chat page's parts, beside `app.py` and outside the library: `render` (HTML, every string
escaped), `page` (the event handlers), `api` (the JSON endpoints) and `assets/` (CSS, click wiring).

`rag` never imports this package: the library serves the CLI, LangChain chains and the eval as
well as the page (tests/unit/test_layout.py checks it).
"""
