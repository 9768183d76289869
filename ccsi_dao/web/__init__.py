"""``ccsi-dao serve``: a read-only web dashboard over the decision log, for partners and auditors.

Framework: **Starlette** (ASGI) served by **uvicorn**, pages rendered by **Jinja2**. Why these:

- the dashboard is a handful of read-only pages plus one live stream. Starlette gives exactly that (routing, static
  files, streaming responses for server-sent events, lifespan hooks for the background threads) without an ORM,
  forms, sessions or a validation layer to switch off; FastAPI would add pydantic request models and an OpenAPI
  surface for no endpoint that needs them, Django or Flask a request model around the work the dashboard does in
  background threads anyway;
- all three are widely used and actively maintained (Starlette underlies FastAPI; uvicorn is the reference ASGI
  server; Jinja2 is Flask's and Ansible's engine), pure Python wheels (uvicorn is used here with its pure-Python
  ``h11`` protocol, no compiled extras), and small: starlette, uvicorn, jinja2, markupsafe, anyio, h11 and click;
- Jinja2's autoescape is on for every template, so text from the chain is escaped by default.

Layout: :mod:`.models` the view models the templates read; :mod:`.data` the one adapter to the library's decision
log, verification and report (their objects change in one place only); :mod:`.service` the background threads
(index sync, snapshots, verification); :mod:`.app` the routes, guards and templates; :mod:`.server` the address
checks and uvicorn. Everything here is imported only by ``ccsi-dao serve`` itself, so ``ccsi-dao --help`` stays fast.
"""
