"""Write files: rendered documents become the PDF (WeasyPrint, in a worker process when that is
faster) and the EPUB (EbookLib); the preflight checks finished files.

Imports report.render, report.content and the leaf modules; never build or the command line.
"""
