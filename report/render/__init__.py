"""Render documents: a Brief becomes the print HTML, the EPUB's chapters and files, and the web
edition (templates and their search path, style settings, page map, cover, fonts).

Imports report.content and the leaf modules; never outputs, build or the command line.
"""
