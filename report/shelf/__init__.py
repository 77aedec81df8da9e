"""The publisher's shelf: the project file (report.yaml), each brief's catalog entry, and the
site, OPDS catalog, feed and sitemap made from them. May import render, content and leaves."""

SHELF_FOLDER = ".report-shelf"  # each brief's catalog entry and covers, beside its outputs
SITE_FOLDER = "site"  # the shelf's pages and catalogs, in the output folder
ENTRY_FORMAT = 1  # the layout of an entry file; a reader refuses any other
# The files a brief's build writes, by format, named from the content file's stem.
FILE_NAMES = {"pdf": "{stem}.pdf", "epub": "{stem}.epub", "html": "{stem}/index.html"}
