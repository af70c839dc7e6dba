"""Visualisation: functions returning LSOA map views (:class:`needsmap.viz.lsoa_map.LsoaMap`: per-view
values over the static tilesets of :mod:`needsmap.viz.tiles`, with pydeck context layers), pydeck
layers and plotly Figures — never calling ``st.*``."""
