"""Identity matching for the trawl: the linkage engine (``engine``) and its command line.

Plain Python with no Django import, so ``python -m openmash.linkage`` and the engine work without
the web app. See :mod:`openmash.linkage.engine` for the public API and
``docs/adr/0009-linkage-engine.md`` for the design.
"""
