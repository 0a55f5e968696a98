"""The casework layer: flows that cross apps (screening, re-rating, asking again after a consent change).

Each flow is one durable transaction and is called by one view action; the domain services it calls
finish their own step and call only services on lower floors. See docs/adr/0015-layers.md.
"""
