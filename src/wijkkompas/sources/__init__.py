"""Readers that turn real files into observations (see :mod:`wijkkompas.sources.base`)."""
